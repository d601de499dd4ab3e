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

// -----

// A convolution steps through its input and output one element at a time along ow
// (in[.., oh + kh, ow + kw]); kw ties with ow but is shorter, so ow becomes innermost.
// CHECK-LABEL: func.func @conv(
// CHECK:         iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]
func.func @conv(%x: tensor<1x2x10x18xf32>, %w: tensor<4x2x3x3xf32>, %c: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(n, oc, oh, ow, ic, kh, kw) -> (n, ic, oh + kh, ow + kw)>, affine_map<(n, oc, oh, ow, ic, kh, kw) -> (oc, ic, kh, kw)>, affine_map<(n, oc, oh, ow, ic, kh, kw) -> (n, oc, oh, ow)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x2x10x18xf32>, tensor<4x2x3x3xf32>) outs(%c : tensor<1x4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<1x4x8x16xf32>
  return %r : tensor<1x4x8x16xf32>
}
