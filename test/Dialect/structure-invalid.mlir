// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Ops whose operands, results, regions, segment sizes or attribute kinds are not what
// their definition declares: each is a diagnostic at the op, never a Python exception in
// the verifier.

func.func @kernel_without_a_region(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.kernel' op expects 1 region(s), got 0}}
  %r = "kiln.kernel"(%x) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @kernel_with_two_regions(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.kernel' op expects 1 region(s), got 2}}
  %r = "kiln.kernel"(%x) ({
  ^bb0(%a: tensor<8xf32>):
    "kiln.yield"(%a) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<8xf32>) -> ()
  }, {
  }) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @kernel_with_an_empty_region(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.kernel' op body must have exactly one block}}
  %r = "kiln.kernel"(%x) ({
  }) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @exp_without_an_operand() -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.exp' op expects 1 operand(s), got 0}}
  %r = "kiln.exp"() : () -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @exp_with_two_results(%x: tensor<8xf32>) {
  // expected-error @+1 {{'kiln.exp' op expects 1 result(s), got 2}}
  %r:2 = "kiln.exp"(%x) : (tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @exp_with_a_region(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kiln.exp' op expects 0 region(s), got 1}}
  %r = "kiln.exp"(%x) ({
  }) : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @concat_without_segment_sizes(%x: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.concat' op expects 'operandSegmentSizes' to be an array<i32> of 16 sizes, got None}}
  %r = "kiln.concat"(%x, %x) {dimension = 0 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @concat_with_segment_sizes_of_the_wrong_kind(%x: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.concat' op expects 'operandSegmentSizes' to be an array<i32> of 16 sizes, got 2 : i64}}
  %r = "kiln.concat"(%x, %x) {dimension = 0 : i64, operandSegmentSizes = 2 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @yield_with_a_slot_of_two_values(%x: tensor<2xf32>) {
  %r:2 = "kiln.kernel"(%x) ({
  ^bb0(%a: tensor<2xf32>):
    // expected-error @+1 {{'kiln.yield' op 'operandSegmentSizes' gives operand 'value0' 2 values}}
    "kiln.yield"(%a, %a) {operandSegmentSizes = array<i32: 2, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2xf32>, tensor<2xf32>) -> ()
  }) {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0>, sym_name = "k", target = "cpu"} : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return
}

// -----

func.func @concat_whose_segment_sizes_miscount(%x: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.concat' op 'operandSegmentSizes' adds up to 3 operands, the op has 2}}
  %r = "kiln.concat"(%x, %x) {dimension = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @conv2d_with_one_stride(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{'kiln.conv2d' op expects two positive strides and dilations, got [1] and [1, 1]}}
  %0 = "kiln.conv2d"(%x, %w) {strides = array<i64: 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @conv2d_with_a_zero_stride(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{'kiln.conv2d' op expects two positive strides and dilations, got [0, 1] and [1, 1]}}
  %0 = "kiln.conv2d"(%x, %w) {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @pad_with_a_type_for_a_value(%a: tensor<2x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kiln.pad' op expects attribute 'value' to be a number, got f32}}
  %0 = "kiln.pad"(%a) {low = array<i64: 1, 1>, high = array<i64: 1, 1>, value = f32} : (tensor<2x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}
