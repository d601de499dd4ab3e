// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// One case per kiln op verifier check; each chunk must fail with exactly this error.

func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'kiln.exp' op expects ranked tensors, got tensor<*xf32>}}
  %0 = "kiln.exp"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @exp_of_integers(%x: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error @+1 {{'kiln.exp' op expects a floating-point operand, got tensor<2xi64>}}
  %0 = "kiln.exp"(%x) : (tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

func.func @add_shape_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'kiln.add' op expects operands and result of one shape}}
  %0 = "kiln.add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @mul_dtype_mismatch(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.mul' op expects one element type, got f32, f16, f32}}
  %0 = "kiln.mul"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @and_of_floats(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.and' op expects integer operands, got tensor<4xf32>}}
  %0 = "kiln.and"(%a, %a) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @sub_of_bools(%a: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'kiln.sub' op is not defined on i1 operands, got tensor<4xi1>}}
  %0 = "kiln.sub"(%a, %a) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_result_not_i1(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.compare' op result must be a tensor of i1, got tensor<4xf32>}}
  %0 = "kiln.compare"(%a, %a) {predicate = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @compare_unknown_predicate(%a: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{'kiln.compare' op unknown predicate 'less'}}
  %0 = "kiln.compare"(%a, %a) {predicate = "less"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @select_condition_not_i1(%c: tensor<4xi32>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.select' op condition must be a tensor of i1, got tensor<4xi32>}}
  %0 = "kiln.select"(%c, %a, %a) : (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast_shape_mismatch(%a: tensor<4xf32>) -> tensor<2x2xi32> {
  // expected-error @+1 {{'kiln.cast' op expects operands and result of one shape}}
  %0 = "kiln.cast"(%a) : (tensor<4xf32>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

func.func @reduce_result_shape(%a: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'kiln.reduce_sum' op result shape must be [2], got [3]}}
  %0 = "kiln.reduce_sum"(%a) {dimensions = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @reduce_dimension_out_of_range(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'kiln.reduce_max' op dimensions [2] must be distinct and in [0, 2)}}
  %0 = "kiln.reduce_max"(%a) {dimensions = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @matmul_contraction_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'kiln.matmul' op operand shapes [2, 3] and [4, 5] do not contract}}
  %0 = "kiln.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @batch_matmul_rank(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kiln.batch_matmul' op expects rank-3 operands and result}}
  %0 = "kiln.batch_matmul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @conv2d_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kiln.conv2d' op channels do not match: input [1, 3, 8, 8], weight [4, 2, 3, 3], groups 1}}
  %0 = "kiln.conv2d"(%x, %w) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @broadcast_incompatible(%a: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kiln.broadcast' op cannot broadcast [3] to [2, 4] along [1]}}
  %0 = "kiln.broadcast"(%a) {dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @broadcast_dimensions_not_increasing(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'kiln.broadcast' op dimensions [1, 0] must be increasing}}
  %0 = "kiln.broadcast"(%a) {dimensions = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @reshape_element_count(%a: tensor<2x3xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.reshape' op cannot reshape [2, 3] (6 elements) to [4]}}
  %0 = "kiln.reshape"(%a) : (tensor<2x3xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @transpose_bad_permutation(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'kiln.transpose' op permutation [0, 0] is not a permutation of 0..1}}
  %0 = "kiln.transpose"(%a) {permutation = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_out_of_bounds(%a: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kiln.slice' op slice 2:2:1 is out of bounds for dimension 0 of size 3}}
  %0 = "kiln.slice"(%a) {offsets = array<i64: 2, 0>, sizes = array<i64: 2, 4>, strides = array<i64: 1, 1>} : (tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @concat_size_mismatch(%a: tensor<2x3xf32>) -> tensor<5x3xf32> {
  // expected-error @+1 {{'kiln.concat' op inputs add up to 4 along dimension 0, result has 5}}
  %0 = "kiln.concat"(%a, %a) {dimension = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @concat_other_dimension_mismatch(%a: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'kiln.concat' op input tensor<2x3xf32> does not match result tensor<4x4xf32>}}
  %0 = "kiln.concat"(%a, %a) {dimension = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @pad_result_shape(%a: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'kiln.pad' op result shape must be [4, 5], got [4, 4]}}
  %0 = "kiln.pad"(%a) {low = array<i64: 1, 1>, high = array<i64: 1, 1>, value = 0.0 : f64} : (tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @gather_float_indices(%a: tensor<5x3xf32>, %i: tensor<4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'kiln.gather' op indices must be integers, got tensor<4xf32>}}
  %0 = "kiln.gather"(%a, %i) {dimension = 0 : i64} : (tensor<5x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @constant_type_mismatch() -> tensor<2xf32> {
  // expected-error @+1 {{'kiln.constant' op value type does not match result type tensor<2xf32>}}
  %0 = "kiln.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @iota_dimension_out_of_range() -> tensor<4xi64> {
  // expected-error @+1 {{'kiln.iota' op dimension 1 is out of range for rank 1}}
  %0 = "kiln.iota"() {dimension = 1 : i64} : () -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @kernel_yield_type_mismatch(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.kernel' op kiln.yield operands must match the result types}}
  %0 = "kiln.kernel"(%x) ({
  ^bb0(%a: tensor<4xf32>):
    %r = "kiln.reduce_sum"(%a) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<f32>
    "kiln.yield"(%r) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<f32>) -> ()
  }) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @kernel_block_arguments_mismatch(%x: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.kernel' op entry block arguments must match the operand types}}
  %0 = "kiln.kernel"(%x) ({
  ^bb0(%a: tensor<8xf32>):
    %r = "kiln.exp"(%a) : (tensor<8xf32>) -> tensor<8xf32>
    "kiln.yield"(%r) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<8xf32>) -> ()
  }) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @kernel_not_isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = "kiln.kernel"() ({
    // expected-error @+1 {{'kiln.exp' op using value defined outside the region}}
    %r = "kiln.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    "kiln.yield"(%r) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4xf32>) -> ()
  }) {operandSegmentSizes = array<i32: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @missing_attribute(%x: tensor<4x3xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.reduce_sum' op requires attribute 'dimensions' (an array<i64>)}}
  %0 = "kiln.reduce_sum"(%x) : (tensor<4x3xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @attribute_of_the_wrong_kind(%x: tensor<4x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'kiln.transpose' op expects attribute 'permutation' to be an array<i64>, got "x"}}
  %0 = "kiln.transpose"(%x) {permutation = "x"} : (tensor<4x3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
