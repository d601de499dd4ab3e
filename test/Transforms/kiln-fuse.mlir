// RUN: kiln-opt %s --split-input-file --kiln-fuse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-fuse --kiln-fuse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-fuse{elementwise=0 reductions=0 epilogues=0})' | FileCheck %s --check-prefix=OFF

// A chain of elementwise ops is one kernel; the broadcast is cloned into it as indexing.
// CHECK-LABEL: func.func @elementwise_chain(
// CHECK-SAME:    [[X:%.+]]: tensor<4x8xf32>, [[Y:%.+]]: tensor<8xf32>)
// CHECK:         [[K:%.+]] = "kiln.kernel"([[X]], [[Y]]) ({
// CHECK-NEXT:    ^bb0([[A:%.+]]: tensor<4x8xf32>, [[B:%.+]]: tensor<8xf32>):
// CHECK-NEXT:      [[E:%.+]] = "kiln.exp"([[A]])
// CHECK-NEXT:      [[BB:%.+]] = "kiln.broadcast"([[B]])
// CHECK-NEXT:      [[M:%.+]] = "kiln.mul"([[E]], [[BB]])
// CHECK-NEXT:      [[T:%.+]] = "kiln.tanh"([[M]])
// CHECK-NEXT:      "kiln.yield"([[T]])
// CHECK:         sym_name = "elementwise_chain_kernel_0", target = "cpu"
// CHECK-NOT:     "kiln.kernel"
// CHECK:         return [[K]]
// OFF-LABEL: func.func @elementwise_chain(
// OFF-COUNT-3:   "kiln.kernel"
// OFF-NOT:       "kiln.kernel"
func.func @elementwise_chain(%x: tensor<4x8xf32>, %y: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.exp"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = "kiln.broadcast"(%y) {dimensions = array<i64: 1>} : (tensor<8xf32>) -> tensor<4x8xf32>
  %1 = "kiln.mul"(%0, %b) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = "kiln.tanh"(%1) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Softmax: two reductions over the same rows and their elementwise neighbours, one kernel.
// CHECK-LABEL: func.func @softmax(
// OFF-LABEL:   func.func @softmax(
// CHECK:         "kiln.kernel"
// CHECK:           "kiln.reduce_max"
// CHECK:           "kiln.exp"
// CHECK:           "kiln.reduce_sum"
// CHECK:           "kiln.div"
// CHECK:           "kiln.yield"
// CHECK-NOT:     "kiln.kernel"
// CHECK:         return
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.reduce_max"(%x) {dimensions = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  %1 = "kiln.broadcast"(%0) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4x8xf32>
  %2 = "kiln.sub"(%x, %1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = "kiln.exp"(%2) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = "kiln.reduce_sum"(%3) {dimensions = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  %5 = "kiln.broadcast"(%4) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4x8xf32>
  %6 = "kiln.div"(%3, %5) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %6 : tensor<4x8xf32>
}

// -----

// A matmul takes its bias, activation and residual add as an epilogue; the transposed
// weight is folded into the kernel, not materialized.
// CHECK-LABEL: func.func @linear_relu_residual(
// CHECK-SAME:    [[X:%.+]]: tensor<4x8xf32>, [[W:%.+]]: tensor<16x8xf32>, [[B:%.+]]: tensor<16xf32>, [[R:%.+]]: tensor<4x16xf32>)
// CHECK:         "kiln.kernel"([[X]], [[W]], [[B]], [[R]])
// CHECK:           "kiln.transpose"
// CHECK-NEXT:      "kiln.matmul"
// CHECK:           "kiln.add"
// CHECK:           "kiln.maximum"
// CHECK:           "kiln.add"
// CHECK:           "kiln.yield"
// CHECK-NOT:     "kiln.kernel"
// OFF-LABEL: func.func @linear_relu_residual(
// OFF-COUNT-4:   "kiln.kernel"
// OFF-NOT:       "kiln.kernel"
func.func @linear_relu_residual(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>, %r: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %wt = "kiln.transpose"(%w) {permutation = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %0 = "kiln.matmul"(%x, %wt) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %bb = "kiln.broadcast"(%b) {dimensions = array<i64: 1>} : (tensor<16xf32>) -> tensor<4x16xf32>
  %1 = "kiln.add"(%0, %bb) : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %zero = "kiln.constant"() {value = dense<0.0> : tensor<4x16xf32>} : () -> tensor<4x16xf32>
  %2 = "kiln.maximum"(%1, %zero) : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %3 = "kiln.add"(%2, %r) : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %3 : tensor<4x16xf32>
}

// -----

// Negative: a contraction never joins its producer's kernel (that would recompute the
// producer for every output column), so two Linear + GELU-like layers are two kernels.
// CHECK-LABEL: func.func @two_matmuls(
// OFF-LABEL:   func.func @two_matmuls(
// CHECK:         [[K0:%.+]] = "kiln.kernel"
// CHECK:           "kiln.matmul"
// CHECK:           "kiln.tanh"
// CHECK:         "kiln.kernel"([[K0]], {{.*}})
// CHECK:           "kiln.matmul"
// CHECK-NOT:     "kiln.kernel"
func.func @two_matmuls(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.matmul"(%x, %w1) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = "kiln.tanh"(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = "kiln.matmul"(%1, %w2) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Negative: a reduction over every dimension is not joined by its consumers, which
// would serialize the parallel reduction.
// CHECK-LABEL: func.func @normalize_by_total(
// CHECK:         [[K0:%.+]] = "kiln.kernel"
// CHECK:           "kiln.reduce_sum"
// CHECK:           "kiln.yield"
// CHECK:         "kiln.kernel"({{.*}}[[K0]]
// CHECK:           "kiln.div"
func.func @normalize_by_total(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.reduce_sum"(%x) {dimensions = array<i64: 0, 1>} : (tensor<4x8xf32>) -> tensor<f32>
  %1 = "kiln.broadcast"(%0) {dimensions = array<i64>} : (tensor<f32>) -> tensor<4x8xf32>
  %2 = "kiln.div"(%x, %1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// Negative: reductions over different dimensions do not share a kernel.
// CHECK-LABEL: func.func @rows_then_columns(
// CHECK-COUNT-2: "kiln.kernel"
// CHECK-NOT:     "kiln.kernel"
func.func @rows_then_columns(%x: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<8xf32>) {
  %0 = "kiln.reduce_sum"(%x) {dimensions = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  %1 = "kiln.reduce_max"(%x) {dimensions = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<4xf32>, tensor<8xf32>
}

// -----

// Negative: joining the matmul's kernel would make a cycle through the reduction's
// kernel, so the add joins the reduction instead and the matmul result crosses over.
// CHECK-LABEL: func.func @no_cycles(
// CHECK:         [[MM:%.+]] = "kiln.kernel"
// CHECK:           "kiln.matmul"
// CHECK:         "kiln.kernel"([[MM]])
// CHECK:           "kiln.reduce_sum"
// CHECK:           "kiln.add"
func.func @no_cycles(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %0 = "kiln.matmul"(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = "kiln.reduce_sum"(%0) {dimensions = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
  %2 = "kiln.broadcast"(%1) {dimensions = array<i64: 0>} : (tensor<4xf32>) -> tensor<4x8xf32>
  %3 = "kiln.add"(%0, %2) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// -----

// A returned view gets a kernel that materializes it.
// CHECK-LABEL: func.func @returned_view(
// CHECK:         [[K:%.+]] = "kiln.kernel"
// CHECK:           "kiln.transpose"
// CHECK:         return [[K]]
func.func @returned_view(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %0 = "kiln.transpose"(%x) {permutation = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// A kernel takes at most 16 inputs: a sum of 18 arguments is split in two kernels.
// CHECK-LABEL: func.func @many_inputs(
// CHECK:         [[K0:%.+]] = "kiln.kernel"
// CHECK:         "kiln.kernel"([[K0]],
// CHECK-NOT:     "kiln.kernel"
func.func @many_inputs(%a0: tensor<4xf32>, %a1: tensor<4xf32>, %a2: tensor<4xf32>, %a3: tensor<4xf32>, %a4: tensor<4xf32>, %a5: tensor<4xf32>, %a6: tensor<4xf32>, %a7: tensor<4xf32>, %a8: tensor<4xf32>, %a9: tensor<4xf32>, %a10: tensor<4xf32>, %a11: tensor<4xf32>, %a12: tensor<4xf32>, %a13: tensor<4xf32>, %a14: tensor<4xf32>, %a15: tensor<4xf32>, %a16: tensor<4xf32>, %a17: tensor<4xf32>) -> tensor<4xf32> {
  %s1 = "kiln.add"(%a0, %a1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s2 = "kiln.add"(%s1, %a2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s3 = "kiln.add"(%s2, %a3) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s4 = "kiln.add"(%s3, %a4) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s5 = "kiln.add"(%s4, %a5) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s6 = "kiln.add"(%s5, %a6) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s7 = "kiln.add"(%s6, %a7) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s8 = "kiln.add"(%s7, %a8) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s9 = "kiln.add"(%s8, %a9) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s10 = "kiln.add"(%s9, %a10) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s11 = "kiln.add"(%s10, %a11) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s12 = "kiln.add"(%s11, %a12) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s13 = "kiln.add"(%s12, %a13) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s14 = "kiln.add"(%s13, %a14) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s15 = "kiln.add"(%s14, %a15) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s16 = "kiln.add"(%s15, %a16) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s17 = "kiln.add"(%s16, %a17) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s17 : tensor<4xf32>
}
