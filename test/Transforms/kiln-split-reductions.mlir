// RUN: kiln-opt %s --split-input-file --kiln-split-reductions | FileCheck %s

// A sum over 65536 elements: 32 partials of 2048 consecutive elements each (a parallel
// dimension), then the sum of the partials.
// CHECK-LABEL: func.func @long_sum(
// CHECK:         %[[CHUNKS:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [32, 2048]
// CHECK:         %[[PARTIALS:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[CHUNKS]] : tensor<32x2048xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}} ins(%[[PARTIALS]] : tensor<32xf32>)
func.func @long_sum(%x: tensor<65536xf32>, %init: tensor<f32>) -> tensor<f32> {
  %s = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]} ins(%x : tensor<65536xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// Short reductions, and lengths with no divisor near 2048 (a prime), stay in one pass.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     tensor.expand_shape
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:     linalg.generic
func.func @left_alone(%x: tensor<4096xf32>, %y: tensor<65537xf32>, %init: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %s = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]} ins(%x : tensor<4096xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  } -> tensor<f32>
  %t = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]} ins(%y : tensor<65537xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  } -> tensor<f32>
  return %s, %t : tensor<f32>, tensor<f32>
}
