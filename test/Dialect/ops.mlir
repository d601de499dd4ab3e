// RUN: kiln-opt %s --split-input-file | kiln-opt --split-input-file | FileCheck %s

// Every kiln op family parses, verifies, prints and parses again.

// CHECK-LABEL: func.func @float_unary(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>
func.func @float_unary(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: [[E:%.+]] = "kiln.exp"([[X]]) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: [[L:%.+]] = "kiln.log"([[E]])
  // CHECK: [[S:%.+]] = "kiln.sqrt"([[L]])
  // CHECK: [[R:%.+]] = "kiln.rsqrt"([[S]])
  // CHECK: [[T:%.+]] = "kiln.tanh"([[R]])
  // CHECK: [[G:%.+]] = "kiln.sigmoid"([[T]])
  // CHECK: [[ERF:%.+]] = "kiln.erf"([[G]])
  // CHECK: [[SIN:%.+]] = "kiln.sin"([[ERF]])
  // CHECK: [[COS:%.+]] = "kiln.cos"([[SIN]])
  // CHECK: [[FL:%.+]] = "kiln.floor"([[COS]])
  // CHECK: [[CE:%.+]] = "kiln.ceil"([[FL]])
  // CHECK: [[REC:%.+]] = "kiln.reciprocal"([[CE]])
  // CHECK: return [[REC]]
  %0 = "kiln.exp"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = "kiln.log"(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = "kiln.sqrt"(%1) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = "kiln.rsqrt"(%2) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = "kiln.tanh"(%3) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = "kiln.sigmoid"(%4) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %6 = "kiln.erf"(%5) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %7 = "kiln.sin"(%6) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %8 = "kiln.cos"(%7) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = "kiln.floor"(%8) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %10 = "kiln.ceil"(%9) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = "kiln.reciprocal"(%10) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %11 : tensor<2x3xf32>
}

// -----

// neg, abs and not also take integers.
// CHECK-LABEL: func.func @integer_unary(
// CHECK-SAME:    [[X:%.+]]: tensor<4xi32>, [[B:%.+]]: tensor<4xi1>
func.func @integer_unary(%x: tensor<4xi32>, %b: tensor<4xi1>) -> (tensor<4xi32>, tensor<4xi1>) {
  // CHECK: [[N:%.+]] = "kiln.neg"([[X]]) : (tensor<4xi32>) -> tensor<4xi32>
  // CHECK: [[A:%.+]] = "kiln.abs"([[N]]) : (tensor<4xi32>) -> tensor<4xi32>
  // CHECK: [[NOT:%.+]] = "kiln.not"([[B]]) : (tensor<4xi1>) -> tensor<4xi1>
  // CHECK: return [[A]], [[NOT]]
  %0 = "kiln.neg"(%x) : (tensor<4xi32>) -> tensor<4xi32>
  %1 = "kiln.abs"(%0) : (tensor<4xi32>) -> tensor<4xi32>
  %2 = "kiln.not"(%b) : (tensor<4xi1>) -> tensor<4xi1>
  return %1, %2 : tensor<4xi32>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @binary(
// CHECK-SAME:    [[A:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<4xf32>
func.func @binary(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: [[ADD:%.+]] = "kiln.add"([[A]], [[B]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: [[SUB:%.+]] = "kiln.sub"([[ADD]], [[B]])
  // CHECK: [[MUL:%.+]] = "kiln.mul"([[SUB]], [[B]])
  // CHECK: [[DIV:%.+]] = "kiln.div"([[MUL]], [[B]])
  // CHECK: [[MAX:%.+]] = "kiln.maximum"([[DIV]], [[B]])
  // CHECK: [[MIN:%.+]] = "kiln.minimum"([[MAX]], [[B]])
  // CHECK: [[POW:%.+]] = "kiln.pow"([[MIN]], [[B]])
  // CHECK: [[REM:%.+]] = "kiln.remainder"([[POW]], [[B]])
  // CHECK: return [[REM]]
  %0 = "kiln.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "kiln.sub"(%0, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = "kiln.mul"(%1, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "kiln.div"(%2, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = "kiln.maximum"(%3, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %5 = "kiln.minimum"(%4, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %6 = "kiln.pow"(%5, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %7 = "kiln.remainder"(%6, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %7 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @compare_select_logic(
// CHECK-SAME:    [[A:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<4xf32>
func.func @compare_select_logic(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: [[LT:%.+]] = "kiln.compare"([[A]], [[B]]) {predicate = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  // CHECK: [[GE:%.+]] = "kiln.compare"([[A]], [[B]]) {predicate = "ge"}
  // CHECK: [[AND:%.+]] = "kiln.and"([[LT]], [[GE]]) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  // CHECK: [[OR:%.+]] = "kiln.or"([[AND]], [[LT]])
  // CHECK: [[SEL:%.+]] = "kiln.select"([[OR]], [[A]], [[B]]) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: return [[SEL]]
  %lt = "kiln.compare"(%a, %b) {predicate = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %ge = "kiln.compare"(%a, %b) {predicate = "ge"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %and = "kiln.and"(%lt, %ge) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %or = "kiln.or"(%and, %lt) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %0 = "kiln.select"(%or, %a, %b) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast(
// CHECK-SAME:    [[X:%.+]]: tensor<2x2xf32>
func.func @cast(%x: tensor<2x2xf32>) -> tensor<2x2xi64> {
  // CHECK: [[H:%.+]] = "kiln.cast"([[X]]) : (tensor<2x2xf32>) -> tensor<2x2xf16>
  // CHECK: [[I:%.+]] = "kiln.cast"([[H]]) : (tensor<2x2xf16>) -> tensor<2x2xi64>
  // CHECK: return [[I]]
  %0 = "kiln.cast"(%x) : (tensor<2x2xf32>) -> tensor<2x2xf16>
  %1 = "kiln.cast"(%0) : (tensor<2x2xf16>) -> tensor<2x2xi64>
  return %1 : tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @reductions(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3x4xf32>
func.func @reductions(%x: tensor<2x3x4xf32>) -> (tensor<2xf32>, tensor<3x4xf32>, tensor<2x4xf32>, tensor<f32>) {
  // CHECK: "kiln.reduce_sum"([[X]]) {dimensions = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2xf32>
  // CHECK: "kiln.reduce_max"([[X]]) {dimensions = array<i64: 0>} : (tensor<2x3x4xf32>) -> tensor<3x4xf32>
  // CHECK: "kiln.reduce_min"([[X]]) {dimensions = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  // CHECK: "kiln.reduce_prod"([[X]]) {dimensions = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<f32>
  %0 = "kiln.reduce_sum"(%x) {dimensions = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2xf32>
  %1 = "kiln.reduce_max"(%x) {dimensions = array<i64: 0>} : (tensor<2x3x4xf32>) -> tensor<3x4xf32>
  %2 = "kiln.reduce_min"(%x) {dimensions = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %3 = "kiln.reduce_prod"(%x) {dimensions = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<f32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<3x4xf32>, tensor<2x4xf32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @contractions(
// CHECK-SAME:    [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<3x4xf32>, [[C:%.+]]: tensor<5x2x3xf32>, [[D:%.+]]: tensor<5x3x4xf32>
func.func @contractions(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<5x2x3xf32>, %d: tensor<5x3x4xf32>) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
  // CHECK: [[MM:%.+]] = "kiln.matmul"([[A]], [[B]]) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  // CHECK: [[BMM:%.+]] = "kiln.batch_matmul"([[C]], [[D]]) : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  // CHECK: return [[MM]], [[BMM]]
  %0 = "kiln.matmul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = "kiln.batch_matmul"(%c, %d) : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<5x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d(
// CHECK-SAME:    [[X:%.+]]: tensor<1x4x9x9xf32>, [[W:%.+]]: tensor<6x2x3x3xf32>
func.func @conv2d(%x: tensor<1x4x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x4x3xf32> {
  // CHECK: [[Y:%.+]] = "kiln.conv2d"([[X]], [[W]])
  // CHECK-SAME: dilations = array<i64: 1, 2>, groups = 2 : i64, strides = array<i64: 2, 2>
  // CHECK-SAME: (tensor<1x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x4x3xf32>
  // CHECK: return [[Y]]
  %0 = "kiln.conv2d"(%x, %w) {strides = array<i64: 2, 2>, dilations = array<i64: 1, 2>, groups = 2 : i64} : (tensor<1x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x4x3xf32>
  return %0 : tensor<1x6x4x3xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement(
// CHECK-SAME:    [[X:%.+]]: tensor<3x1xf32>
func.func @data_movement(%x: tensor<3x1xf32>) -> tensor<4x9xf32> {
  // CHECK: [[B:%.+]] = "kiln.broadcast"([[X]]) {dimensions = array<i64: 1, 2>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: [[R:%.+]] = "kiln.reshape"([[B]]) : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: [[T:%.+]] = "kiln.transpose"([[R]]) {permutation = array<i64: 1, 0>} : (tensor<6x4xf32>) -> tensor<4x6xf32>
  // CHECK: [[S:%.+]] = "kiln.slice"([[T]]) {offsets = array<i64: 0, 1>, sizes = array<i64: 4, 2>, strides = array<i64: 1, 2>} : (tensor<4x6xf32>) -> tensor<4x2xf32>
  // CHECK: [[P:%.+]] = "kiln.pad"([[S]]) {high = array<i64: 0, 1>, low = array<i64: 0, 0>, value = 0.000000e+00 : f64} : (tensor<4x2xf32>) -> tensor<4x3xf32>
  // CHECK: [[C:%.+]] = "kiln.concat"([[P]], [[P]], [[P]]) {dimension = 1 : i64
  // CHECK-SAME: (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x9xf32>
  // CHECK: return [[C]]
  %0 = "kiln.broadcast"(%x) {dimensions = array<i64: 1, 2>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %1 = "kiln.reshape"(%0) : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %2 = "kiln.transpose"(%1) {permutation = array<i64: 1, 0>} : (tensor<6x4xf32>) -> tensor<4x6xf32>
  %3 = "kiln.slice"(%2) {offsets = array<i64: 0, 1>, sizes = array<i64: 4, 2>, strides = array<i64: 1, 2>} : (tensor<4x6xf32>) -> tensor<4x2xf32>
  %4 = "kiln.pad"(%3) {low = array<i64: 0, 0>, high = array<i64: 0, 1>, value = 0.0 : f64} : (tensor<4x2xf32>) -> tensor<4x3xf32>
  %5 = "kiln.concat"(%4, %4, %4) {dimension = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x9xf32>
  return %5 : tensor<4x9xf32>
}

// -----

// CHECK-LABEL: func.func @gather(
// CHECK-SAME:    [[X:%.+]]: tensor<5x3xf32>, [[I:%.+]]: tensor<2x4xi64>
func.func @gather(%x: tensor<5x3xf32>, %i: tensor<2x4xi64>) -> tensor<2x4x3xf32> {
  // CHECK: [[G:%.+]] = "kiln.gather"([[X]], [[I]]) {dimension = 0 : i64} : (tensor<5x3xf32>, tensor<2x4xi64>) -> tensor<2x4x3xf32>
  // CHECK: return [[G]]
  %0 = "kiln.gather"(%x, %i) {dimension = 0 : i64} : (tensor<5x3xf32>, tensor<2x4xi64>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// CHECK-LABEL: func.func @constants(
func.func @constants() -> (tensor<2x2xf32>, tensor<3xi32>, tensor<2x3xi64>) {
  // CHECK: [[SPLAT:%.+]] = "kiln.constant"() {value = dense<1.500000e+00> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  // CHECK: [[DENSE:%.+]] = "kiln.constant"() {value = dense<[1, 2, 3]> : tensor<3xi32>} : () -> tensor<3xi32>
  // CHECK: [[IOTA:%.+]] = "kiln.iota"() {dimension = 1 : i64} : () -> tensor<2x3xi64>
  // CHECK: return [[SPLAT]], [[DENSE]], [[IOTA]]
  %0 = "kiln.constant"() {value = dense<1.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %1 = "kiln.constant"() {value = dense<[1, 2, 3]> : tensor<3xi32>} : () -> tensor<3xi32>
  %2 = "kiln.iota"() {dimension = 1 : i64} : () -> tensor<2x3xi64>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<3xi32>, tensor<2x3xi64>
}
