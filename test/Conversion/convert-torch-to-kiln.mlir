// RUN: kiln-opt %s --split-input-file --convert-torch-to-kiln | FileCheck %s

// Implicit broadcasting becomes an explicit kiln.broadcast.
// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME:    [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:         [[BB:%.+]] = "kiln.broadcast"([[B]]) {dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:         [[SUM:%.+]] = "kiln.add"([[A]], [[BB]]) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK:         return [[SUM]] : tensor<2x3xf32>
func.func @add_broadcast(%arg0: !torch.vtensor<[2,3],f32>, %arg1: !torch.vtensor<[3],f32>) -> !torch.vtensor<[2,3],f32> {
  %int1 = torch.constant.int 1
  %0 = torch.aten.add.Tensor %arg0, %arg1, %int1 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[3],f32>, !torch.int -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// Dtype promotion becomes kiln.cast; alpha becomes a multiplication by a splat constant.
// CHECK-LABEL: func.func @add_promote_alpha(
// CHECK-SAME:    [[I:%.+]]: tensor<2x3xi64>, [[F:%.+]]: tensor<2x3xf32>)
// CHECK:         [[CAST:%.+]] = "kiln.cast"([[I]]) : (tensor<2x3xi64>) -> tensor<2x3xf32>
// CHECK:         [[ALPHA:%.+]] = "kiln.constant"() {value = dense<2.000000e+00> : tensor<2x3xf32>}
// CHECK:         [[SCALED:%.+]] = "kiln.mul"([[CAST]], [[ALPHA]])
// CHECK:         [[SUM:%.+]] = "kiln.add"([[F]], [[SCALED]])
// CHECK:         return [[SUM]]
func.func @add_promote_alpha(%arg0: !torch.vtensor<[2,3],si64>, %arg1: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f32> {
  %int2 = torch.constant.int 2
  %0 = torch.aten.add.Tensor %arg1, %arg0, %int2 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[2,3],si64>, !torch.int -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// A scalar operand becomes a splat kiln.constant.
// CHECK-LABEL: func.func @mul_scalar(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>)
// CHECK:         [[TWO:%.+]] = "kiln.constant"() {value = dense<2.000000e+00> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
// CHECK:         [[PRODUCT:%.+]] = "kiln.mul"([[X]], [[TWO]])
// CHECK:         return [[PRODUCT]]
func.func @mul_scalar(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f32> {
  %float2 = torch.constant.float 2.000000e+00
  %0 = torch.aten.mul.Scalar %arg0, %float2 : !torch.vtensor<[2,3],f32>, !torch.float -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// CHECK-LABEL: func.func @relu(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>)
// CHECK:         [[ZERO:%.+]] = "kiln.constant"() {value = dense<0.000000e+00> : tensor<2x3xf32>}
// CHECK:         [[Y:%.+]] = "kiln.maximum"([[X]], [[ZERO]])
// CHECK:         return [[Y]]
func.func @relu(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],f32> {
  %0 = torch.aten.relu %arg0 : !torch.vtensor<[2,3],f32> -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// CHECK-LABEL: func.func @gt_scalar(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>) -> tensor<2x3xi1>
// CHECK:         [[HALF:%.+]] = "kiln.constant"() {value = dense<5.000000e-01> : tensor<2x3xf32>}
// CHECK:         [[GT:%.+]] = "kiln.compare"([[X]], [[HALF]]) {predicate = "gt"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
// CHECK:         return [[GT]]
func.func @gt_scalar(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,3],i1> {
  %float = torch.constant.float 5.000000e-01
  %0 = torch.aten.gt.Scalar %arg0, %float : !torch.vtensor<[2,3],f32>, !torch.float -> !torch.vtensor<[2,3],i1>
  return %0 : !torch.vtensor<[2,3],i1>
}

// -----

// CHECK-LABEL: func.func @where_self(
// CHECK-SAME:    [[C:%.+]]: tensor<2x3xi1>, [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<3xf32>)
// CHECK:         [[BB:%.+]] = "kiln.broadcast"([[B]]) {dimensions = array<i64: 1>}
// CHECK:         [[Y:%.+]] = "kiln.select"([[C]], [[A]], [[BB]]) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK:         return [[Y]]
func.func @where_self(%arg0: !torch.vtensor<[2,3],i1>, %arg1: !torch.vtensor<[2,3],f32>, %arg2: !torch.vtensor<[3],f32>) -> !torch.vtensor<[2,3],f32> {
  %0 = torch.aten.where.self %arg0, %arg1, %arg2 : !torch.vtensor<[2,3],i1>, !torch.vtensor<[2,3],f32>, !torch.vtensor<[3],f32> -> !torch.vtensor<[2,3],f32>
  return %0 : !torch.vtensor<[2,3],f32>
}

// -----

// CHECK-LABEL: func.func @mm(
// CHECK-SAME:    [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK:         [[C:%.+]] = "kiln.matmul"([[A]], [[B]]) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK:         return [[C]]
func.func @mm(%arg0: !torch.vtensor<[2,3],f32>, %arg1: !torch.vtensor<[3,4],f32>) -> !torch.vtensor<[2,4],f32> {
  %0 = torch.aten.mm %arg0, %arg1 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[3,4],f32> -> !torch.vtensor<[2,4],f32>
  return %0 : !torch.vtensor<[2,4],f32>
}

// -----

// CHECK-LABEL: func.func @sum_dim(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>) -> tensor<2xf32>
// CHECK:         [[S:%.+]] = "kiln.reduce_sum"([[X]]) {dimensions = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
// CHECK:         return [[S]]
func.func @sum_dim(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2],f32> {
  %int1 = torch.constant.int 1
  %0 = torch.prim.ListConstruct %int1 : (!torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %none = torch.constant.none
  %1 = torch.aten.sum.dim_IntList %arg0, %0, %false, %none : !torch.vtensor<[2,3],f32>, !torch.list<int>, !torch.bool, !torch.none -> !torch.vtensor<[2],f32>
  return %1 : !torch.vtensor<[2],f32>
}

// -----

// keepdim=true reduces, then reshapes the size-1 dimension back in.
// CHECK-LABEL: func.func @sum_dim_keepdim(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>) -> tensor<2x1xf32>
// CHECK:         [[S:%.+]] = "kiln.reduce_sum"([[X]]) {dimensions = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
// CHECK:         [[R:%.+]] = "kiln.reshape"([[S]]) : (tensor<2xf32>) -> tensor<2x1xf32>
// CHECK:         return [[R]]
func.func @sum_dim_keepdim(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,1],f32> {
  %int1 = torch.constant.int 1
  %0 = torch.prim.ListConstruct %int1 : (!torch.int) -> !torch.list<int>
  %true = torch.constant.bool true
  %none = torch.constant.none
  %1 = torch.aten.sum.dim_IntList %arg0, %0, %true, %none : !torch.vtensor<[2,3],f32>, !torch.list<int>, !torch.bool, !torch.none -> !torch.vtensor<[2,1],f32>
  return %1 : !torch.vtensor<[2,1],f32>
}

// -----

// CHECK-LABEL: func.func @permute(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK:         [[T:%.+]] = "kiln.transpose"([[X]]) {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK:         return [[T]]
func.func @permute(%arg0: !torch.vtensor<[2,3,4],f32>) -> !torch.vtensor<[4,2,3],f32> {
  %int2 = torch.constant.int 2
  %int0 = torch.constant.int 0
  %int1 = torch.constant.int 1
  %0 = torch.prim.ListConstruct %int2, %int0, %int1 : (!torch.int, !torch.int, !torch.int) -> !torch.list<int>
  %1 = torch.aten.permute %arg0, %0 : !torch.vtensor<[2,3,4],f32>, !torch.list<int> -> !torch.vtensor<[4,2,3],f32>
  return %1 : !torch.vtensor<[4,2,3],f32>
}

// -----

// CHECK-LABEL: func.func @view(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK:         [[R:%.+]] = "kiln.reshape"([[X]]) : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK:         return [[R]]
func.func @view(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[3,2],f32> {
  %int3 = torch.constant.int 3
  %int2 = torch.constant.int 2
  %0 = torch.prim.ListConstruct %int3, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %1 = torch.aten.view %arg0, %0 : !torch.vtensor<[2,3],f32>, !torch.list<int> -> !torch.vtensor<[3,2],f32>
  return %1 : !torch.vtensor<[3,2],f32>
}

// -----

// CHECK-LABEL: func.func @cat_then_slice(
// CHECK-SAME:    [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<2x3xf32>) -> tensor<4x2xf32>
// CHECK:         [[C:%.+]] = "kiln.concat"([[A]], [[B]]) {dimension = 0 : i64
// CHECK-SAME:      (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK:         [[S:%.+]] = "kiln.slice"([[C]]) {offsets = array<i64: 0, 1>, sizes = array<i64: 4, 2>, strides = array<i64: 1, 1>} : (tensor<4x3xf32>) -> tensor<4x2xf32>
// CHECK:         return [[S]]
func.func @cat_then_slice(%arg0: !torch.vtensor<[2,3],f32>, %arg1: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[4,2],f32> {
  %0 = torch.prim.ListConstruct %arg0, %arg1 : (!torch.vtensor<[2,3],f32>, !torch.vtensor<[2,3],f32>) -> !torch.list<vtensor>
  %int0 = torch.constant.int 0
  %1 = torch.aten.cat %0, %int0 : !torch.list<vtensor>, !torch.int -> !torch.vtensor<[4,3],f32>
  %int1 = torch.constant.int 1
  %int3 = torch.constant.int 3
  %2 = torch.aten.slice.Tensor %1, %int1, %int1, %int3, %int1 : !torch.vtensor<[4,3],f32>, !torch.int, !torch.int, !torch.int, !torch.int -> !torch.vtensor<[4,2],f32>
  return %2 : !torch.vtensor<[4,2],f32>
}

// -----

// Padding of a convolution becomes a separate kiln.pad.
// CHECK-LABEL: func.func @convolution(
// CHECK-SAME:    [[X:%.+]]: tensor<1x2x5x5xf32>, [[W:%.+]]: tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
// CHECK:         [[P:%.+]] = "kiln.pad"([[X]]) {high = array<i64: 0, 0, 1, 1>, low = array<i64: 0, 0, 1, 1>, value = 0.000000e+00 : f64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x7x7xf32>
// CHECK:         [[Y:%.+]] = "kiln.conv2d"([[P]], [[W]]) {dilations = array<i64: 1, 1>, groups = 1 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x7x7xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
// CHECK:         return [[Y]]
func.func @convolution(%arg0: !torch.vtensor<[1,2,5,5],f32>, %arg1: !torch.vtensor<[4,2,3,3],f32>) -> !torch.vtensor<[1,4,5,5],f32> {
  %none = torch.constant.none
  %int1 = torch.constant.int 1
  %0 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %1 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %2 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %int0 = torch.constant.int 0
  %3 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %4 = torch.aten.convolution %arg0, %arg1, %none, %0, %1, %2, %false, %3, %int1 : !torch.vtensor<[1,2,5,5],f32>, !torch.vtensor<[4,2,3,3],f32>, !torch.none, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,4,5,5],f32>
  return %4 : !torch.vtensor<[1,4,5,5],f32>
}

// -----

// A 2x2 max pool with stride 2 is the maximum of four strided slices.
// CHECK-LABEL: func.func @max_pool2d_with_indices(
// CHECK-SAME:    [[X:%.+]]: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
// CHECK:         [[S0:%.+]] = "kiln.slice"([[X]]) {offsets = array<i64: 0, 0, 0, 0>, sizes = array<i64: 1, 2, 2, 2>, strides = array<i64: 1, 1, 2, 2>}
// CHECK:         [[S1:%.+]] = "kiln.slice"([[X]]) {offsets = array<i64: 0, 0, 0, 1>
// CHECK:         [[S2:%.+]] = "kiln.slice"([[X]]) {offsets = array<i64: 0, 0, 1, 0>
// CHECK:         [[S3:%.+]] = "kiln.slice"([[X]]) {offsets = array<i64: 0, 0, 1, 1>
// CHECK:         [[M0:%.+]] = "kiln.maximum"([[S0]], [[S1]])
// CHECK:         [[M1:%.+]] = "kiln.maximum"([[M0]], [[S2]])
// CHECK:         [[M2:%.+]] = "kiln.maximum"([[M1]], [[S3]])
// CHECK:         return [[M2]]
func.func @max_pool2d_with_indices(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,2,2],f32> {
  %int2 = torch.constant.int 2
  %0 = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %1 = torch.prim.ListConstruct  : () -> !torch.list<int>
  %int0 = torch.constant.int 0
  %2 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %int1 = torch.constant.int 1
  %3 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %result0, %result1 = torch.aten.max_pool2d_with_indices %arg0, %0, %1, %2, %3, %false : !torch.vtensor<[1,2,4,4],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool -> !torch.vtensor<[1,2,2,2],f32>, !torch.vtensor<[1,2,2,2],si64>
  return %result0 : !torch.vtensor<[1,2,2,2],f32>
}

// -----

// CHECK-LABEL: func.func @index_select(
// CHECK-SAME:    [[X:%.+]]: tensor<5x3xf32>, [[I:%.+]]: tensor<4xi64>) -> tensor<4x3xf32>
// CHECK:         [[G:%.+]] = "kiln.gather"([[X]], [[I]]) {dimension = 0 : i64} : (tensor<5x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
// CHECK:         return [[G]]
func.func @index_select(%arg0: !torch.vtensor<[5,3],f32>, %arg1: !torch.vtensor<[4],si64>) -> !torch.vtensor<[4,3],f32> {
  %int0 = torch.constant.int 0
  %0 = torch.aten.index_select %arg0, %int0, %arg1 : !torch.vtensor<[5,3],f32>, !torch.int, !torch.vtensor<[4],si64> -> !torch.vtensor<[4,3],f32>
  return %0 : !torch.vtensor<[4,3],f32>
}

// -----

// CHECK-LABEL: func.func @constant_pad_nd(
// CHECK-SAME:    [[X:%.+]]: tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK:         [[P:%.+]] = "kiln.pad"([[X]]) {high = array<i64: 0, 2>, low = array<i64: 0, 1>, value = 0.000000e+00 : f64} : (tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK:         return [[P]]
func.func @constant_pad_nd(%arg0: !torch.vtensor<[2,3],f32>) -> !torch.vtensor<[2,6],f32> {
  %int1 = torch.constant.int 1
  %int2 = torch.constant.int 2
  %0 = torch.prim.ListConstruct %int1, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %float = torch.constant.float 0.000000e+00
  %1 = torch.aten.constant_pad_nd %arg0, %0, %float : !torch.vtensor<[2,3],f32>, !torch.list<int>, !torch.float -> !torch.vtensor<[2,6],f32>
  return %1 : !torch.vtensor<[2,6],f32>
}

// -----

// torch.gather reads the flattened input at a row-major offset per output element:
// the index, wrapped and clamped into its dimension, plus an iota times each stride.
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:    [[X:%.+]]: tensor<3x5xf32>, [[I:%.+]]: tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK:         [[ROW:%.+]] = "kiln.iota"() {dimension = 0 : i64} : () -> tensor<3x2xi64>
// CHECK:         [[NEGATIVE:%.+]] = "kiln.compare"([[I]], {{%.+}}) {predicate = "lt"}
// CHECK:         [[WRAPPED:%.+]] = "kiln.select"([[NEGATIVE]], {{%.+}}, [[I]])
// CHECK:         [[LOW:%.+]] = "kiln.maximum"([[WRAPPED]], {{%.+}})
// CHECK:         [[FOUR:%.+]] = "kiln.constant"() {value = dense<4> : tensor<3x2xi64>}
// CHECK:         [[COLUMN:%.+]] = "kiln.minimum"([[LOW]], [[FOUR]])
// CHECK:         [[FIVE:%.+]] = "kiln.constant"() {value = dense<5> : tensor<3x2xi64>}
// CHECK:         [[ROW_START:%.+]] = "kiln.mul"([[ROW]], [[FIVE]])
// CHECK:         [[OFFSET:%.+]] = "kiln.add"([[COLUMN]], [[ROW_START]])
// CHECK:         [[FLAT:%.+]] = "kiln.reshape"([[X]]) : (tensor<3x5xf32>) -> tensor<15xf32>
// CHECK:         [[G:%.+]] = "kiln.gather"([[FLAT]], [[OFFSET]]) {dimension = 0 : i64} : (tensor<15xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK:         return [[G]]
func.func @gather(%arg0: !torch.vtensor<[3,5],f32>, %arg1: !torch.vtensor<[3,2],si64>) -> !torch.vtensor<[3,2],f32> {
  %int1 = torch.constant.int 1
  %false = torch.constant.bool false
  %0 = torch.aten.gather %arg0, %int1, %arg1, %false : !torch.vtensor<[3,5],f32>, !torch.int, !torch.vtensor<[3,2],si64>, !torch.bool -> !torch.vtensor<[3,2],f32>
  return %0 : !torch.vtensor<[3,2],f32>
}

// -----

// x[:, i, j]: the adjacent indexed dimensions merge into one, read at i * 5 + j.
// CHECK-LABEL: func.func @index_adjacent(
// CHECK-SAME:    [[X:%.+]]: tensor<2x4x5xf32>, [[I:%.+]]: tensor<3xi32>, [[J:%.+]]: tensor<3xi64>) -> tensor<2x3xf32>
// CHECK:         [[I64:%.+]] = "kiln.cast"([[I]]) : (tensor<3xi32>) -> tensor<3xi64>
// CHECK:         [[SAFE_I:%.+]] = "kiln.minimum"
// CHECK:         [[SAFE_J:%.+]] = "kiln.minimum"
// CHECK:         [[FIVE:%.+]] = "kiln.constant"() {value = dense<5> : tensor<3xi64>}
// CHECK:         [[ROW_START:%.+]] = "kiln.mul"([[SAFE_I]], [[FIVE]])
// CHECK:         [[OFFSET:%.+]] = "kiln.add"([[SAFE_J]], [[ROW_START]])
// CHECK:         [[MERGED:%.+]] = "kiln.reshape"([[X]]) : (tensor<2x4x5xf32>) -> tensor<2x20xf32>
// CHECK:         [[G:%.+]] = "kiln.gather"([[MERGED]], [[OFFSET]]) {dimension = 1 : i64} : (tensor<2x20xf32>, tensor<3xi64>) -> tensor<2x3xf32>
// CHECK:         return [[G]]
func.func @index_adjacent(%arg0: !torch.vtensor<[2,4,5],f32>, %arg1: !torch.vtensor<[3],si32>, %arg2: !torch.vtensor<[3],si64>) -> !torch.vtensor<[2,3],f32> {
  %none = torch.constant.none
  %0 = torch.prim.ListConstruct %none, %arg1, %arg2 : (!torch.none, !torch.vtensor<[3],si32>, !torch.vtensor<[3],si64>) -> !torch.list<optional<vtensor>>
  %1 = torch.aten.index.Tensor %arg0, %0 : !torch.vtensor<[2,4,5],f32>, !torch.list<optional<vtensor>> -> !torch.vtensor<[2,3],f32>
  return %1 : !torch.vtensor<[2,3],f32>
}

// -----

// x[i, :, j]: separated indexed dimensions go first; the sliced one is an iota.
// CHECK-LABEL: func.func @index_separated(
// CHECK-SAME:    [[X:%.+]]: tensor<4x2x5xf32>, [[I:%.+]]: tensor<3xi64>, [[J:%.+]]: tensor<3xi64>) -> tensor<3x2xf32>
// CHECK:         [[SAFE_I:%.+]] = "kiln.minimum"
// CHECK:         [[SAFE_J:%.+]] = "kiln.minimum"
// CHECK:         "kiln.broadcast"([[SAFE_I]]) {dimensions = array<i64: 0>} : (tensor<3xi64>) -> tensor<3x2xi64>
// CHECK:         "kiln.broadcast"([[SAFE_J]]) {dimensions = array<i64: 0>} : (tensor<3xi64>) -> tensor<3x2xi64>
// CHECK:         "kiln.iota"() {dimension = 1 : i64} : () -> tensor<3x2xi64>
// CHECK:         [[FLAT:%.+]] = "kiln.reshape"([[X]]) : (tensor<4x2x5xf32>) -> tensor<40xf32>
// CHECK:         [[G:%.+]] = "kiln.gather"([[FLAT]], {{%.+}}) {dimension = 0 : i64} : (tensor<40xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK:         return [[G]]
func.func @index_separated(%arg0: !torch.vtensor<[4,2,5],f32>, %arg1: !torch.vtensor<[3],si64>, %arg2: !torch.vtensor<[3],si64>) -> !torch.vtensor<[3,2],f32> {
  %none = torch.constant.none
  %0 = torch.prim.ListConstruct %arg1, %none, %arg2 : (!torch.vtensor<[3],si64>, !torch.none, !torch.vtensor<[3],si64>) -> !torch.list<optional<vtensor>>
  %1 = torch.aten.index.Tensor %arg0, %0 : !torch.vtensor<[4,2,5],f32>, !torch.list<optional<vtensor>> -> !torch.vtensor<[3,2],f32>
  return %1 : !torch.vtensor<[3,2],f32>
}

// -----

// Scalar ops on constants fold at conversion: Int.bool(true) * 3 - 1 fills with 2.
// CHECK-LABEL: func.func @scalar_ops_fold(
// CHECK:         [[FILL:%.+]] = "kiln.constant"() {value = dense<2> : tensor<2xi64>} : () -> tensor<2xi64>
// CHECK:         return [[FILL]]
func.func @scalar_ops_fold() -> !torch.vtensor<[2],si64> {
  %true = torch.constant.bool true
  %int3 = torch.constant.int 3
  %int1 = torch.constant.int 1
  %int2 = torch.constant.int 2
  %none = torch.constant.none
  %0 = torch.aten.Int.bool %true : !torch.bool -> !torch.int
  %1 = torch.aten.mul.int %0, %int3 : !torch.int, !torch.int -> !torch.int
  %2 = torch.aten.sub.int %1, %int1 : !torch.int, !torch.int -> !torch.int
  %size = torch.prim.ListConstruct %int2 : (!torch.int) -> !torch.list<int>
  %3 = torch.aten.full %size, %2, %none, %none, %none, %none : !torch.list<int>, !torch.int, !torch.none, !torch.none, !torch.none, !torch.none -> !torch.vtensor<[2],si64>
  return %3 : !torch.vtensor<[2],si64>
}

// -----

// A literal of more than one element arrives as a blob (dense_resource); its values,
// not the attribute's address, become the kiln.constant.
// CHECK-LABEL: func.func @resource_literals(
// CHECK:         "kiln.constant"() {value = dense<{{\[}}[0, 2], [1, 3]]> : tensor<2x2xi64>}
// CHECK:         "kiln.constant"() {value = dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf16>}
// CHECK:         "kiln.constant"() {value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xbf16>}
// CHECK:         "kiln.constant"() {value = dense<[true, false, true]> : tensor<3xi1>}
func.func @resource_literals() -> (!torch.vtensor<[2,2],si64>, !torch.vtensor<[2],f16>, !torch.vtensor<[2],bf16>, !torch.vtensor<[3],i1>) {
  %0 = torch.vtensor.literal(dense_resource<indices> : tensor<2x2xsi64>) : !torch.vtensor<[2,2],si64>
  %1 = torch.vtensor.literal(dense_resource<halves> : tensor<2xf16>) : !torch.vtensor<[2],f16>
  %2 = torch.vtensor.literal(dense_resource<brains> : tensor<2xbf16>) : !torch.vtensor<[2],bf16>
  %3 = torch.vtensor.literal(dense_resource<bools> : tensor<3xi1>) : !torch.vtensor<[3],i1>
  return %0, %1, %2, %3 : !torch.vtensor<[2,2],si64>, !torch.vtensor<[2],f16>, !torch.vtensor<[2],bf16>, !torch.vtensor<[3],i1>
}
{-#
  dialect_resources: {
    builtin: {
      indices: "0x080000000000000000000000020000000000000001000000000000000300000000000000",
      halves: "0x02000000003E00C0",
      brains: "0x02000000803F0040",
      bools: "0x01000000010001"
    }
  }
#-}
