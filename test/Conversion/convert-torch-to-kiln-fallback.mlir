// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(convert-torch-to-kiln{fallback=1})' | FileCheck %s

// With fallback, an op with no converter becomes kiln.fallback: its tensors are
// operands, its other arguments (in schema order, kwarg-only ones by name) are JSON.
// CHECK-LABEL: func.func @cumsum(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>)
// CHECK:         [[E:%.+]] = "kiln.exp"([[X]])
// CHECK:         [[R:%.+]] = "kiln.fallback"([[E]])
// CHECK-SAME:      call = "{\22args\22: [{\22tensor\22: 0}, 1], \22kwargs\22: {\22dtype\22: {\22torch\22: \22float64\22}}}"
// CHECK-SAME:      op = "aten.cumsum.default"
// CHECK-SAME:      reason = "Kiln has no converter for it"
// CHECK-SAME:      (tensor<2x3xf32>) -> tensor<2x3xf64>
// CHECK:         return [[R]]
func.func @cumsum(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f64> {
  %int1 = torch.constant.int 1
  %int7 = torch.constant.int 7
  %0 = torch.aten.exp %arg0 : !torch.vtensor<[2,3],f32> -> !torch.vtensor<[2,3],f32>
  %1 = torch.aten.cumsum %0, %int1, %int7 : !torch.vtensor<[2,3],f32>, !torch.int, !torch.int -> !torch.vtensor<[2,3],f64>
  return %1 : !torch.vtensor<[2,3],f64>
}

// -----

// An op with several results keeps them all; a list argument stays a list.
// CHECK-LABEL: func.func @sort(
// CHECK:         [[R:%.+]]:2 = "kiln.fallback"(
// CHECK-SAME:      op = "aten.sort.default"
// CHECK:         return [[R]]#0, [[R]]#1
func.func @sort(%arg0: !torch.vtensor<[2,3],f32>) -> (!torch.vtensor<[2,3],f32>, !torch.vtensor<[2,3],si64>) {
  %int1 = torch.constant.int 1
  %false = torch.constant.bool false
  %0:2 = torch.aten.sort %arg0, %int1, %false : !torch.vtensor<[2,3],f32>, !torch.int, !torch.bool -> !torch.vtensor<[2,3],f32>, !torch.vtensor<[2,3],si64>
  return %0#0, %0#1 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[2,3],si64>
}

