// RUN: kiln-opt %s --split-input-file --verify-diagnostics --convert-torch-to-kiln

// An op with no converter fails the pass with its name and what to do next.

func.func @cumsum(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f32> {
  %int1 = torch.constant.int 1
  %none = torch.constant.none
  // expected-error @+1 {{aten.cumsum is not supported by Kiln yet}}
  %0 = torch.aten.cumsum %arg0, %int1, %none : !torch.vtensor<[2,3],f32>, !torch.int, !torch.none -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// A tensor without a static shape cannot be converted yet.
func.func @dynamic_shape(%arg0: !torch.vtensor<[?,3],f32>) -> !torch.vtensor<[?,3],f32> {
  // expected-error @-1 {{the function signature is not supported by Kiln yet}}
  return %arg0 : !torch.vtensor<[?,3],f32>
}

// -----

// An op whose result is not a tensor cannot run on the host through torch either.
func.func @scalar_result(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f32> {
  %int0 = torch.constant.int 0
  // expected-error @+1 {{aten.size.int is not supported by Kiln yet (Kiln has no converter for it; the host cannot run it through torch either: the op returns !torch.int, not a tensor)}}
  %0 = torch.aten.size.int %arg0, %int0 : !torch.vtensor<[2,3],f32>, !torch.int -> !torch.int
  return %arg0 : !torch.vtensor<[2,3],f32>
}
