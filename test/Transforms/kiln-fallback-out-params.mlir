// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-fallback-out-params)' | FileCheck %s

// Each result of a fallback call becomes a buffer the host allocates and passes.
// CHECK-LABEL: func.func @host(
// CHECK-SAME:    [[X:%.+]]: memref<4xf32>, [[OUT:%.+]]: memref<4xi64>)
// CHECK:         [[V:%.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
// CHECK-NEXT:    [[I:%.+]] = memref.alloc() {alignment = 64 : i64} : memref<4xi64>
// CHECK-NEXT:    call @host_fallback_0([[X]], [[V]], [[I]]) : (memref<4xf32>, memref<4xf32>, memref<4xi64>) -> ()
// CHECK-NEXT:    memref.copy [[I]], [[OUT]]
// CHECK:       func.func private @host_fallback_0(memref<4xf32> {bufferization.access = "read"}, memref<4xf32>, memref<4xi64>)
func.func @host(%x: memref<4xf32>, %out: memref<4xi64>) {
  %0:2 = call @host_fallback_0(%x) : (memref<4xf32>) -> (memref<4xf32>, memref<4xi64>)
  memref.copy %0#1, %out : memref<4xi64> to memref<4xi64>
  return
}
func.func private @host_fallback_0(memref<4xf32> {bufferization.access = "read"}) -> (memref<4xf32>, memref<4xi64>) attributes {kiln.fallback = {call = "{}", inputs = 1 : i64, op = "aten.max.dim", reason = "r"}}
