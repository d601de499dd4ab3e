// RUN: kiln-opt %s --split-input-file --kiln-sink-result-reshapes | FileCheck %s

// The kernel returns the value it computed; the host collapses it.
// CHECK-LABEL: func.func @host(
// CHECK:         [[R:%.+]] = call @k(%{{.+}}) : (tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    [[C:%.+]] = tensor.collapse_shape [[R]] {{\[}}[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
// CHECK-NEXT:    return [[C]]
// CHECK:       func.func private @k({{.*}}) -> tensor<4x8xf32>
// CHECK-NOT:     collapse_shape
// CHECK:         return
func.func @host(%x: tensor<4x8xf32>) -> tensor<32xf32> {
  %0 = call @k(%x) : (tensor<4x8xf32>) -> tensor<32xf32>
  return %0 : tensor<32xf32>
}
func.func private @k(%x: tensor<4x8xf32>) -> tensor<32xf32> attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<4x8xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = math.exp %a : f32
    linalg.yield %z : f32
  } -> tensor<4x8xf32>
  %r = tensor.collapse_shape %v [[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
  return %r : tensor<32xf32>
}

// -----

// Negative: a reshape of an argument stays (returning the argument would need a copy).
// CHECK-LABEL: func.func private @view_of_argument(
// CHECK:         tensor.collapse_shape
// CHECK:         return
func.func private @view_of_argument(%x: tensor<4x8xf32>) -> tensor<32xf32> attributes {kiln.kernel} {
  %r = tensor.collapse_shape %x [[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
  return %r : tensor<32xf32>
}
