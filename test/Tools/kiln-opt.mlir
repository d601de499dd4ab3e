// --list-passes shows every Kiln pass with its summary.
// RUN: kiln-opt --list-passes | FileCheck %s --check-prefix=LIST
// LIST:      Kiln passes:
// LIST:        convert-torch-to-kiln
// LIST-NEXT:     Convert torch dialect ops on value tensors to kiln ops on builtin tensors.
// LIST:      Kiln pipelines:

// A pass flag, the same pass in --pass-pipeline (with or without the builtin.module
// wrapper, mixed with upstream passes) and stdin input all give the same result.
// RUN: kiln-opt %s --convert-torch-to-kiln | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline='builtin.module(convert-torch-to-kiln, func.func(canonicalize), cse)' | FileCheck %s
// RUN: kiln-opt --pass-pipeline='convert-torch-to-kiln' < %s | FileCheck %s

// Locations name the input file.
// RUN: kiln-opt %s --convert-torch-to-kiln --mlir-print-debuginfo | FileCheck %s --check-prefix=DEBUGINFO
// DEBUGINFO: "kiln.matmul"{{.*}} loc([[LOC:#loc[0-9]*]])
// DEBUGINFO: [[LOC]] = loc("{{.*}}kiln-opt.mlir":[[@LINE+13]]:8)

// --mlir-print-ir-after-all prints the module after each pass on stderr.
// RUN: kiln-opt %s --convert-torch-to-kiln --mlir-print-ir-after-all -o %t 2> %t.after
// RUN: FileCheck %s --check-prefix=AFTER --input-file=%t.after
// AFTER: IR Dump After ConvertTorchToKiln: convert-torch-to-kiln
// AFTER: "kiln.matmul"

// CHECK-LABEL: func.func @mm(
// CHECK-SAME:    [[A:%.+]]: tensor<2x3xf32>, [[B:%.+]]: tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK:         [[C:%.+]] = "kiln.matmul"([[A]], [[B]])
// CHECK:         return [[C]] : tensor<2x4xf32>
func.func @mm(%arg0: !torch.vtensor<[2,3],f32>, %arg1: !torch.vtensor<[3,4],f32>) -> !torch.vtensor<[2,4],f32> {
  %0 = torch.aten.mm %arg0, %arg1 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[3,4],f32> -> !torch.vtensor<[2,4],f32>
  return %0 : !torch.vtensor<[2,4],f32>
}
