// RUN: kiln-opt %s --split-input-file --convert-torch-to-kiln | FileCheck %s

// polygamma(n, x) for n >= 2 is (-1)**(n+1) n! zeta(n + 1, x).
// CHECK-LABEL: func.func @polygamma_3(
// CHECK-SAME:    [[X:%.+]]: tensor<4xf32>)
// CHECK:         [[S:%.+]] = "kiln.constant"() {value = dense<4.000000e+00> : tensor<4xf32>}
// CHECK:         [[ZETA:%.+]] = "kiln.zeta"([[S]], [[X]])
// CHECK:         [[FACTOR:%.+]] = "kiln.constant"() {value = dense<6.000000e+00> : tensor<4xf32>}
// CHECK:         [[RESULT:%.+]] = "kiln.mul"([[FACTOR]], [[ZETA]])
// CHECK:         return [[RESULT]]
func.func @polygamma_3(%arg0: !torch.vtensor<[4],f32>) -> !torch.vtensor<[4],f32> {
  %int3 = torch.constant.int 3
  %0 = torch.operator "torch.aten.polygamma"(%int3, %arg0) : (!torch.int, !torch.vtensor<[4],f32>) -> !torch.vtensor<[4],f32>
  return %0 : !torch.vtensor<[4],f32>
}

// -----

// An integer exponent of ldexp is taken as int32, as eager takes it, then carried as
// an exact float.
// CHECK-LABEL: func.func @ldexp_integer_exponent(
// CHECK-SAME:    [[X:%.+]]: tensor<4xf32>, [[N:%.+]]: tensor<4xi64>)
// CHECK:         [[N32:%.+]] = "kiln.cast"([[N]]) : (tensor<4xi64>) -> tensor<4xi32>
// CHECK:         [[NF:%.+]] = "kiln.cast"([[N32]]) : (tensor<4xi32>) -> tensor<4xf32>
// CHECK:         [[RESULT:%.+]] = "kiln.ldexp"([[X]], [[NF]])
// CHECK:         return [[RESULT]]
func.func @ldexp_integer_exponent(%arg0: !torch.vtensor<[4],f32>, %arg1: !torch.vtensor<[4],si64>) -> !torch.vtensor<[4],f32> {
  %0 = torch.aten.ldexp.Tensor %arg0, %arg1 : !torch.vtensor<[4],f32>, !torch.vtensor<[4],si64> -> !torch.vtensor<[4],f32>
  return %0 : !torch.vtensor<[4],f32>
}

// -----

// Integer operands of a float function are cast to the result's float type first.
// CHECK-LABEL: func.func @atan2_integers(
// CHECK-SAME:    [[A:%.+]]: tensor<4xi64>)
// CHECK:         [[F0:%.+]] = "kiln.cast"([[A]]) : (tensor<4xi64>) -> tensor<4xf32>
// CHECK:         [[F1:%.+]] = "kiln.cast"([[A]]) : (tensor<4xi64>) -> tensor<4xf32>
// CHECK:         [[RESULT:%.+]] = "kiln.atan2"([[F0]], [[F1]])
// CHECK:         return [[RESULT]]
func.func @atan2_integers(%arg0: !torch.vtensor<[4],si64>) -> !torch.vtensor<[4],f32> {
  %0 = torch.aten.atan2 %arg0, %arg0 : !torch.vtensor<[4],si64>, !torch.vtensor<[4],si64> -> !torch.vtensor<[4],f32>
  return %0 : !torch.vtensor<[4],f32>
}

// -----

// frexp reads the mantissa and the exponent off the bits; the exponent comes as a float
// and is cast to int32.
// CHECK-LABEL: func.func @frexp(
// CHECK-SAME:    [[X:%.+]]: tensor<4xf32>)
// CHECK:         [[M:%.+]] = "kiln.frexp_mantissa"([[X]])
// CHECK:         [[E:%.+]] = "kiln.frexp_exponent"([[X]])
// CHECK:         [[E32:%.+]] = "kiln.cast"([[E]]) : (tensor<4xf32>) -> tensor<4xi32>
// CHECK:         return [[M]], [[E32]]
func.func @frexp(%arg0: !torch.vtensor<[4],f32>) -> (!torch.vtensor<[4],f32>, !torch.vtensor<[4],si32>) {
  %0:2 = torch.operator "torch.aten.frexp.Tensor"(%arg0) : (!torch.vtensor<[4],f32>) -> (!torch.vtensor<[4],f32>, !torch.vtensor<[4],si32>)
  return %0#0, %0#1 : !torch.vtensor<[4],f32>, !torch.vtensor<[4],si32>
}
