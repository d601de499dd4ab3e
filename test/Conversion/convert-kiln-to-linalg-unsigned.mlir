// RUN: kiln-opt %s --split-input-file --convert-kiln-to-linalg | FileCheck %s

// ui8 tensors become i8 ones, function signatures included, with unsigned arithmetic.
// CHECK-LABEL: func.func @divide(
// CHECK-SAME:    %{{.+}}: tensor<4xi8>, %{{.+}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK:         linalg.generic
// CHECK:           arith.divui {{%.+}}, {{%.+}} : i8
// CHECK:         linalg.generic
// CHECK:           arith.remui {{%.+}}, {{%.+}} : i8
// CHECK-NOT:       arith.select
// CHECK:         linalg.generic
// CHECK:           arith.maxui {{%.+}}, {{%.+}} : i8
// CHECK-NOT:     ui8
func.func @divide(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "kiln.div"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = "kiln.remainder"(%0, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = "kiln.maximum"(%1, %a) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %2 : tensor<4xui8>
}

// -----

// A comparison of values that another lowering produced is unsigned too.
// CHECK-LABEL: func.func @compare_lowered(
// CHECK:         arith.subi
// CHECK:         arith.cmpi ult, {{%.+}}, {{%.+}} : i8
func.func @compare_lowered(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xi1> {
  %0 = "kiln.sub"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = "kiln.compare"(%0, %b) {predicate = "lt"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %1 : tensor<4xi1>
}

// -----

// Casts: ui8 widens with zeros and converts to float as unsigned; float → ui8 goes
// through i64 and keeps the low byte; ui8 → i8 keeps the bits.
// CHECK-LABEL: func.func @casts(
// CHECK:         arith.extui {{%.+}} : i8 to i64
// CHECK:         arith.uitofp {{%.+}} : i8 to f32
// CHECK:         arith.fptosi {{%.+}} : f32 to i64
// CHECK-NEXT:    arith.trunci {{%.+}} : i64 to i8
// CHECK:         return {{.*}} : tensor<4xi8>, tensor<4xi64>, tensor<4xf32>, tensor<4xi8>
func.func @casts(%a: tensor<4xui8>, %f: tensor<4xf32>) -> (tensor<4xi8>, tensor<4xi64>, tensor<4xf32>, tensor<4xui8>) {
  %0 = "kiln.cast"(%a) : (tensor<4xui8>) -> tensor<4xi8>
  %1 = "kiln.cast"(%a) : (tensor<4xui8>) -> tensor<4xi64>
  %2 = "kiln.cast"(%a) : (tensor<4xui8>) -> tensor<4xf32>
  %3 = "kiln.cast"(%f) : (tensor<4xf32>) -> tensor<4xui8>
  return %0, %1, %2, %3 : tensor<4xi8>, tensor<4xi64>, tensor<4xf32>, tensor<4xui8>
}

// -----

// A ui8 max reduction starts from 0 and a min reduction from 255 (-1 as i8).
// CHECK-LABEL: func.func @reductions(
// CHECK:         [[ZERO:%.+]] = arith.constant 0 : i8
// CHECK:         linalg.fill ins([[ZERO]] : i8)
// CHECK:           arith.maxui
// CHECK:         [[ALL_ONES:%.+]] = arith.constant -1 : i8
// CHECK:         linalg.fill ins([[ALL_ONES]] : i8)
// CHECK:           arith.minui
func.func @reductions(%a: tensor<4x8xui8>) -> (tensor<4xui8>, tensor<4xui8>) {
  %0 = "kiln.reduce_max"(%a) {dimensions = array<i64: 1>} : (tensor<4x8xui8>) -> tensor<4xui8>
  %1 = "kiln.reduce_min"(%a) {dimensions = array<i64: 1>} : (tensor<4x8xui8>) -> tensor<4xui8>
  return %0, %1 : tensor<4xui8>, tensor<4xui8>
}

// -----

// Constants keep their bits: 200 and 255 become -56 and -1; abs is the identity.
// CHECK-LABEL: func.func @constants(
// CHECK:         arith.constant dense<[1, -56, -1, 0]> : tensor<4xi8>
// CHECK-NOT:     math.absi
func.func @constants(%a: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "kiln.constant"() {value = dense<[1, 200, 255, 0]> : tensor<4xui8>} : () -> tensor<4xui8>
  %1 = "kiln.abs"(%a) : (tensor<4xui8>) -> tensor<4xui8>
  %2 = "kiln.add"(%0, %1) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %2 : tensor<4xui8>
}

// -----

// A ui8 right shift brings in zeros, and a shift by 8 or more gives 0.
// CHECK-LABEL: func.func @shift_right(
// CHECK:         [[WIDTH:%.+]] = arith.constant 8 : i8
// CHECK:         [[IN_RANGE:%.+]] = arith.cmpi ult, [[AMOUNT:%.+]], [[WIDTH]] : i8
// CHECK:         [[SHIFTED:%.+]] = arith.shrui {{%.+}}, [[AMOUNT]] : i8
// CHECK:         arith.select [[IN_RANGE]], [[SHIFTED]], {{%.+}} : i8
func.func @shift_right(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "kiln.shift_right"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
