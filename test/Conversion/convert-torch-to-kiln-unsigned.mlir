// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(convert-torch-to-kiln{fallback=1})' | FileCheck %s

// uint8 tensors are ui8 kiln tensors; a shift is a kiln op of its own.
// CHECK-LABEL: func.func @shift(
// CHECK-SAME:    [[X:%.+]]: tensor<4xui8>) -> tensor<4xui8>
// CHECK:         [[THREE:%.+]] = "kiln.constant"() {value = dense<3> : tensor<4xui8>}
// CHECK:         "kiln.shift_right"([[X]], [[THREE]]) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
func.func @shift(%arg0: !torch.vtensor<[4],ui8>) -> !torch.vtensor<[4],ui8> {
  %int3 = torch.constant.int 3
  %0 = torch.aten.__rshift__.Scalar %arg0, %int3 : !torch.vtensor<[4],ui8>, !torch.int -> !torch.vtensor<[4],ui8>
  return %0 : !torch.vtensor<[4],ui8>
}

// -----

// An op with no converter on a uint8 tensor runs through torch; the fallback records
// each tensor's torch dtype, which the signless lowering of ui8 would lose.
// CHECK-LABEL: func.func @cumsum(
// CHECK:         "kiln.fallback"
// CHECK-SAME:      dtypes = ["uint8", "int64"]
// CHECK-SAME:      op = "aten.cumsum.default"
func.func @cumsum(%arg0: !torch.vtensor<[2,3],ui8>) -> !torch.vtensor<[2,3],si64> {
  %int1 = torch.constant.int 1
  %none = torch.constant.none
  %0 = torch.aten.cumsum %arg0, %int1, %none : !torch.vtensor<[2,3],ui8>, !torch.int, !torch.none -> !torch.vtensor<[2,3],si64>
  return %0 : !torch.vtensor<[2,3],si64>
}
