// RUN: kiln-opt %s --split-input-file --convert-kiln-to-linalg | FileCheck %s

// f32 inverse trigonometric functions compute in f64 and round once.
// CHECK-LABEL: func.func @acos(
// CHECK:         linalg.generic
// CHECK:         ^bb0([[IN:%.+]]: f32, {{%.+}}: f32):
// CHECK:           [[WIDE:%.+]] = arith.extf [[IN]] : f32 to f64
// CHECK:           [[ACOS:%.+]] = math.acos [[WIDE]] : f64
// CHECK:           [[NARROW:%.+]] = arith.truncf [[ACOS]] : f64 to f32
// CHECK:           linalg.yield [[NARROW]] : f32
func.func @acos(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "kiln.acos"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// nextafter steps the bits in the operands' own width, here i16 for f16.
// CHECK-LABEL: func.func @nextafter_f16(
// CHECK:         linalg.generic
// CHECK:           arith.bitcast {{%.+}} : f16 to i16
// CHECK-NOT:       arith.extf
// CHECK:           linalg.yield {{%.+}} : f16
func.func @nextafter_f16(%arg0: tensor<4xf16>, %arg1: tensor<4xf16>) -> tensor<4xf16> {
  %0 = "kiln.nextafter"(%arg0, %arg1) : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}
