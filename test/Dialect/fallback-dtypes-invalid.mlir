// RUN: kiln-opt %s --verify-diagnostics --split-input-file

func.func @too_few_dtypes(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.fallback' op expects 'dtypes' to be an array of 2 strings}}
  %0 = "kiln.fallback"(%x) {op = "aten.flip.default", call = "{}", reason = "r", dtypes = ["float32"], operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @dtypes_not_strings(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.fallback' op expects 'dtypes' to be an array of 2 strings}}
  %0 = "kiln.fallback"(%x) {op = "aten.flip.default", call = "{}", reason = "r", dtypes = [1, 2], operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @valid(%x: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "kiln.fallback"(%x) {op = "aten.flip.default", call = "{}", reason = "r", dtypes = ["uint8", "uint8"], operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
