// RUN: kiln-opt %s --split-input-file --kiln-order-loops | FileCheck %s

// A matmul with a row-major B runs (m, k, n): n is contiguous in B and C. Index ops follow.
// CHECK-DAG:   [[A:#map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   [[B:#map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   [[C:#map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @row_major_b(
// CHECK:         linalg.generic {indexing_maps = {{\[}}[[A]], [[B]], [[C]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK:           linalg.index 2 : index
func.func @row_major_b(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> (tensor<4x16xf32>, index) {
  %i = arith.constant 0 : index
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %n = linalg.index 1 : index
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<4x16xf32>
  return %r, %i : tensor<4x16xf32>, index
}

// -----

// Negative: with B transposed (x @ W^T), k is contiguous in both inputs; the order stays.
// CHECK-LABEL: func.func @transposed_b(
// CHECK:         iterator_types = ["parallel", "parallel", "reduction"]
func.func @transposed_b(%a: tensor<4x8xf32>, %w: tensor<16x8xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : tensor<4x8xf32>, tensor<16x8xf32>) outs(%c : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
