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

// The host would run a fallback on buffers typed by their signless lowering, as int8,
// so an op with no converter on a uint8 tensor is refused rather than run as signed.
func.func @cumsum(%arg0: !torch.vtensor<[2,3],ui8>) -> !torch.vtensor<[2,3],si64> {
  %int1 = torch.constant.int 1
  %none = torch.constant.none
  // expected-error @+1 {{aten.cumsum is not supported by Kiln yet (Kiln has no converter for it; the host cannot run it through torch either: the host cannot run ops on uint8 tensors yet (tensor<2x3xui8>))}}
  %0 = torch.aten.cumsum %arg0, %int1, %none : !torch.vtensor<[2,3],ui8>, !torch.int, !torch.none -> !torch.vtensor<[2,3],si64>
  return %0 : !torch.vtensor<[2,3],si64>
}
