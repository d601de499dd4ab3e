// Malformed input: an MLIR diagnostic at FILE:LINE:COL of the real file, exit code 1,
// no Python traceback; chunks that parse are still printed.
// RUN: not kiln-opt %s --split-input-file 2> %t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=MALFORMED --input-file=%t.err
// MALFORMED:     {{.*}}kiln-opt-errors.mlir:[[@LINE+22]]:8: error: custom op 'foo' is unknown
// MALFORMED-NEXT: {{^}}  %0 = foo
// MALFORMED-NEXT: {{^}}       ^
// MALFORMED-NOT: Traceback

// An unknown pass is named, with the close matches.
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(convert-torch-to-kilm)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: kiln-opt: error: unknown pass or pipeline 'convert-torch-to-kilm'. Did you mean 'convert-torch-to-kiln'

// Kiln's Python passes cannot be nested under an op.
// RUN: not kiln-opt %s --pass-pipeline='builtin.module(func.func(convert-torch-to-kiln))' 2>&1 | FileCheck %s --check-prefix=NESTED
// NESTED: kiln-opt: error: Kiln pass or pipeline 'convert-torch-to-kiln' is nested under 'func.func'

// CHECK-LABEL: func.func @valid(
// CHECK-NOT:   // -----
func.func @valid() {
  return
}

// -----

func.func @malformed() {
  %0 = foo
}
