// RUN: kiln-opt %s --split-input-file --kiln-reuse-dead-inputs | FileCheck %s

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
#tr = affine_map<(i, j) -> (j, i)>

// The epilogue writes over the value it is the last to read.
// CHECK-LABEL: func.func private @epilogue(
// CHECK:         [[M:%.+]] = linalg.generic
// CHECK:         linalg.generic {{.*}} ins([[M]], %{{.+}} : tensor<4x8xf32>, tensor<8xf32>) outs([[M]] : tensor<4x8xf32>)
func.func private @epilogue(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> attributes {kiln.kernel} {
  %e0 = tensor.empty() : tensor<4x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = math.exp %a : f32
    linalg.yield %z : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%m, %b : tensor<4x8xf32>, tensor<8xf32>) outs(%e1 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %z = arith.addf %a, %c : f32
    linalg.yield %z : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>

// Negative: a function argument is never overwritten, nor a value read again later,
// nor one read through a transposed map.
// CHECK-LABEL: func.func private @keep(
// CHECK-NOT:     outs(%arg0
// CHECK:         [[E:%.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK:         [[M:%.+]] = linalg.generic {{.*}} outs([[E]] :
// CHECK:         [[E1:%.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK:         linalg.generic {{.*}} ins([[M]] : tensor<4x4xf32>) outs([[E1]] :
// CHECK:         [[E2:%.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK:         linalg.generic {{.*}} ins([[M]] : tensor<4x4xf32>) outs([[E2]] :
func.func private @keep(%x: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) attributes {kiln.kernel} {
  %e0 = tensor.empty() : tensor<4x4xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e0 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = math.exp %a : f32
    linalg.yield %z : f32
  } -> tensor<4x4xf32>
  %e1 = tensor.empty() : tensor<4x4xf32>
  %t = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<4x4xf32>) outs(%e1 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = math.tanh %a : f32
    linalg.yield %z : f32
  } -> tensor<4x4xf32>
  return %t, %n : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// Negative: a reshape of an argument aliases the caller's tensor; it is not overwritten.
// CHECK-LABEL: func.func private @view_of_argument(
// CHECK:         [[E:%.+]] = tensor.empty() : tensor<4x6xf32>
// CHECK:         linalg.generic {{.*}} outs([[E]] :
func.func private @view_of_argument(%x: tensor<24xf32>) -> tensor<4x6xf32> attributes {kiln.kernel} {
  %v = tensor.expand_shape %x [[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%v : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = math.exp %a : f32
    linalg.yield %z : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}
