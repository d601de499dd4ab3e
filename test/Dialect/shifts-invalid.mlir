// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Shifts take integers of one type, not booleans or floats, and not mixed signedness.

func.func @shift_of_booleans(%x: tensor<2xi1>) -> tensor<2xi1> {
  // expected-error @+1 {{'kiln.shift_left' op is not defined on i1 operands, got tensor<2xi1>}}
  %0 = "kiln.shift_left"(%x, %x) : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

func.func @shift_of_floats(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'kiln.shift_right' op expects integer operands, got tensor<2xf32>}}
  %0 = "kiln.shift_right"(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @shift_of_mixed_signedness(%x: tensor<2xui8>, %y: tensor<2xi8>) -> tensor<2xui8> {
  // expected-error @+1 {{'kiln.shift_right' op expects one element type, got ui8, i8, ui8}}
  %0 = "kiln.shift_right"(%x, %y) : (tensor<2xui8>, tensor<2xi8>) -> tensor<2xui8>
  return %0 : tensor<2xui8>
}
