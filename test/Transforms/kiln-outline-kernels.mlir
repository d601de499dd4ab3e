// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-fuse, kiln-outline-kernels)' | FileCheck %s

// Each kernel becomes a private function; the host calls them in order.
// CHECK-LABEL: func.func @two_kernels(
// CHECK-SAME:    [[X:%.+]]: tensor<4x8xf32>, [[W:%.+]]: tensor<8x8xf32>)
// CHECK:         [[A:%.+]] = call @two_kernels_kernel_0([[X]], [[W]]) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    [[B:%.+]] = call @two_kernels_kernel_1([[A]], [[W]])
// CHECK-NEXT:    return [[B]]
// CHECK-NOT:     kiln.kernel"
// CHECK:       func.func private @two_kernels_kernel_0([[P:%.+]]: tensor<4x8xf32>, [[Q:%.+]]: tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-SAME:    attributes {kiln.kernel, kiln.target = "cpu"}
// CHECK-NEXT:    [[M:%.+]] = "kiln.matmul"([[P]], [[Q]])
// CHECK-NEXT:    [[T:%.+]] = "kiln.tanh"([[M]])
// CHECK-NEXT:    return [[T]]
// CHECK:       func.func private @two_kernels_kernel_1(
// CHECK-SAME:    attributes {kiln.kernel, kiln.target = "cpu"}
func.func @two_kernels(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.matmul"(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = "kiln.tanh"(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = "kiln.matmul"(%1, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A kernel with two results returns both.
// CHECK-LABEL: func.func @two_results(
// CHECK:         [[R:%.+]]:2 = call @two_results_kernel_0(
// CHECK:         return [[R]]#0, [[R]]#1
// CHECK:       func.func private @two_results_kernel_0({{.*}}) -> (tensor<4xf32>, tensor<4xf32>)
func.func @two_results(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "kiln.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "kiln.tanh"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A fallback op stays in the host, between kernels, and becomes a call of a bodiless
// function whose arguments bufferization may read but not write.
// CHECK-LABEL: func.func @fallback(
// CHECK:         [[A:%.+]] = call @fallback_kernel_0(
// CHECK-NEXT:    [[B:%.+]] = call @fallback_fallback_0([[A]]) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    [[C:%.+]] = call @fallback_kernel_1([[B]])
// CHECK:       func.func private @fallback_fallback_0(tensor<4xf32> {bufferization.access = "read"}) -> tensor<4xf32>
// CHECK-SAME:    attributes {kiln.fallback = {call = "{}", inputs = 1 : i64, op = "aten.flip.default", reason = "r"}}
func.func @fallback(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "kiln.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "kiln.fallback"(%0) {op = "aten.flip.default", call = "{}", reason = "r", operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "kiln.tanh"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
