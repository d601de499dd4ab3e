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

// -----

// A value returned twice is returned once; both uses at the call read that one result
// (upstream buffer-results-to-out-params crashed on an allocation returned twice).
// CHECK-LABEL: func.func @host_of_repeat(
// CHECK:         [[R:%.+]] = call @repeat(%{{.+}}) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return [[R]], [[R]]
// CHECK:       func.func private @repeat({{.*}}) -> tensor<4xf32>
// CHECK:         return %{{.+}} : tensor<4xf32>
func.func @host_of_repeat(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = call @repeat(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#1, %0#0 : tensor<4xf32>, tensor<4xf32>
}
func.func private @repeat(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<4xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.negf %a : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  return %v, %v : tensor<4xf32>, tensor<4xf32>
}

// -----

// A value and a reshape of it: the reshape moves to the host, and the value is returned once.
// CHECK-LABEL: func.func @host_of_value_and_view(
// CHECK:         [[R:%.+]] = call @value_and_view(%{{.+}}) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    [[E:%.+]] = tensor.expand_shape [[R]] {{\[}}[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
// CHECK-NEXT:    return [[R]], [[E]]
// CHECK:       func.func private @value_and_view({{.*}}) -> tensor<4xf32>
// CHECK-NOT:     expand_shape
// CHECK:         return %{{.+}} : tensor<4xf32>
func.func @host_of_value_and_view(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x1xf32>) {
  %0:2 = call @value_and_view(%x) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4x1xf32>)
  return %0#0, %0#1 : tensor<4xf32>, tensor<4x1xf32>
}
func.func private @value_and_view(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x1xf32>) attributes {kiln.kernel} {
  %e = tensor.empty() : tensor<4xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.negf %a : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  %r = tensor.expand_shape %v [[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
  return %v, %r : tensor<4xf32>, tensor<4x1xf32>
}
