// RUN: kiln-opt %s --split-input-file --convert-kiln-to-linalg | FileCheck %s

// Elementwise ops become one linalg.generic over an empty tensor of the result's shape.
// CHECK:       [[ID2:#map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add(
// CHECK-SAME:      [[A:%.+]]: tensor<4x8xf32>, [[B:%.+]]: tensor<4x8xf32>)
// CHECK:         [[EMPTY:%.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK:         [[SUM:%.+]] = linalg.generic {indexing_maps = [[[ID2]], [[ID2]], [[ID2]]], iterator_types = ["parallel", "parallel"]} ins([[A]], [[B]] : tensor<4x8xf32>, tensor<4x8xf32>) outs([[EMPTY]] : tensor<4x8xf32>)
// CHECK:         ^bb0([[X:%.+]]: f32, [[Y:%.+]]: f32, {{%.+}}: f32):
// CHECK:           [[ADD:%.+]] = arith.addf [[X]], [[Y]] : f32
// CHECK:           linalg.yield [[ADD]] : f32
// CHECK:         return [[SUM]] : tensor<4x8xf32>
func.func @add(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.add"(%a, %b) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// An f32 sum accumulates in f64, from a zero fill, and rounds to f32 once at the end.
// CHECK-DAG:   [[IN:#map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   [[ROWS:#map[0-9]*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   [[ID1:#map[0-9]*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @sum_f32(
// CHECK-SAME:      [[X:%.+]]: tensor<4x8xf32>)
// CHECK:         [[ZERO:%.+]] = arith.constant 0.000000e+00 : f64
// CHECK:         [[EMPTY:%.+]] = tensor.empty() : tensor<4xf64>
// CHECK:         [[INIT:%.+]] = linalg.fill ins([[ZERO]] : f64) outs([[EMPTY]] : tensor<4xf64>)
// CHECK:         [[WIDE:%.+]] = linalg.generic {indexing_maps = [[[IN]], [[ROWS]]], iterator_types = ["parallel", "reduction"]} ins([[X]] : tensor<4x8xf32>) outs([[INIT]] : tensor<4xf64>)
// CHECK:         ^bb0([[E:%.+]]: f32, [[ACC:%.+]]: f64):
// CHECK:           [[EXT:%.+]] = arith.extf [[E]] : f32 to f64
// CHECK:           [[NEXT:%.+]] = arith.addf [[ACC]], [[EXT]] : f64
// CHECK:           linalg.yield [[NEXT]] : f64
// CHECK:         } -> tensor<4xf64>
// CHECK:         [[NARROW:%.+]] = linalg.generic {indexing_maps = [[[ID1]], [[ID1]]], iterator_types = ["parallel"]} ins([[WIDE]] : tensor<4xf64>)
// CHECK:           arith.truncf {{%.+}} : f64 to f32
// CHECK:         return [[NARROW]] : tensor<4xf32>
func.func @sum_f32(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %0 = "kiln.reduce_sum"(%x) {dimensions = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An integer sum accumulates in its own type; the reduced dimension need not be last.
// CHECK-DAG:   [[IN:#map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   [[COLS:#map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @sum_i64(
// CHECK:         [[ZERO:%.+]] = arith.constant 0 : i64
// CHECK:         [[INIT:%.+]] = linalg.fill ins([[ZERO]] : i64) outs({{%.+}} : tensor<8xi64>)
// CHECK:         [[SUM:%.+]] = linalg.generic {indexing_maps = [[[IN]], [[COLS]]], iterator_types = ["reduction", "parallel"]} {{.*}} outs([[INIT]] : tensor<8xi64>)
// CHECK:           arith.addi
// CHECK-NOT:       arith.extsi
// CHECK:         return [[SUM]] : tensor<8xi64>
func.func @sum_i64(%x: tensor<4x8xi64>) -> tensor<8xi64> {
  %0 = "kiln.reduce_sum"(%x) {dimensions = array<i64: 0>} : (tensor<4x8xi64>) -> tensor<8xi64>
  return %0 : tensor<8xi64>
}

// -----

// A matmul is linalg.matmul into a zero-filled result.
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      [[A:%.+]]: tensor<4x3xf32>, [[B:%.+]]: tensor<3x5xf32>)
// CHECK:         [[ZERO:%.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         [[EMPTY:%.+]] = tensor.empty() : tensor<4x5xf32>
// CHECK:         [[INIT:%.+]] = linalg.fill ins([[ZERO]] : f32) outs([[EMPTY]] : tensor<4x5xf32>)
// CHECK:         [[PRODUCT:%.+]] = linalg.matmul ins([[A]], [[B]] : tensor<4x3xf32>, tensor<3x5xf32>) outs([[INIT]] : tensor<4x5xf32>)
// CHECK:         return [[PRODUCT]] : tensor<4x5xf32>
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) -> tensor<4x5xf32> {
  %0 = "kiln.matmul"(%a, %b) : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// A broadcast reads its input through a map: a size-1 dimension at index 0, a new
// leading dimension not at all.
// CHECK-DAG:   [[EXPAND:#map[0-9]*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG:   [[ID3:#map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME:      [[X:%.+]]: tensor<1x8xf32>)
// CHECK:         [[EMPTY:%.+]] = tensor.empty() : tensor<2x4x8xf32>
// CHECK:         [[WIDE:%.+]] = linalg.generic {indexing_maps = [[[EXPAND]], [[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins([[X]] : tensor<1x8xf32>) outs([[EMPTY]] : tensor<2x4x8xf32>)
// CHECK:         ^bb0([[E:%.+]]: f32, {{%.+}}: f32):
// CHECK:           linalg.yield [[E]] : f32
// CHECK:         return [[WIDE]] : tensor<2x4x8xf32>
func.func @broadcast(%x: tensor<1x8xf32>) -> tensor<2x4x8xf32> {
  %0 = "kiln.broadcast"(%x) {dimensions = array<i64: 1, 2>} : (tensor<1x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// A transpose is linalg.transpose with the same permutation.
// CHECK-LABEL: func.func @transpose(
// CHECK-SAME:      [[X:%.+]]: tensor<2x3x4xf32>)
// CHECK:         [[EMPTY:%.+]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK:         [[T:%.+]] = linalg.transpose ins([[X]] : tensor<2x3x4xf32>) outs([[EMPTY]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK:         return [[T]] : tensor<4x2x3xf32>
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = "kiln.transpose"(%x) {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}
