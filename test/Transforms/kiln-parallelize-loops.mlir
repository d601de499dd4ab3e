// RUN: kiln-opt %s --split-input-file --kiln-parallelize-loops | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-parallelize-loops{min-work=1})' | FileCheck %s --check-prefix=ALL

// A big outermost parallel loop stays parallel; the parallel loop nested in it becomes
// serial loops (forking once per outer trip would cost more than it saves).
// CHECK-LABEL: func.func @big_outer_small_inner(
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK-NOT:     scf.parallel
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step
// CHECK-NEXT:        scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step
// CHECK-NEXT:          memref.store %{{.+}}, %{{.+}}[%[[I]], %[[J]], %[[K]]]
// ALL-LABEL:   func.func @big_outer_small_inner(
// ALL:           scf.parallel
// ALL-NOT:       scf.parallel
func.func @big_outer_small_inner(%out: memref<1024x64x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    scf.parallel (%j, %k) = (%c0, %c0) to (%c64, %c4) step (%c1, %c1) {
      memref.store %zero, %out[%i, %j, %k] : memref<1024x64x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A loop with little work runs serially, unless min-work allows it.
// CHECK-LABEL: func.func @small(
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step
// CHECK-NEXT:      memref.store %{{.+}}, %{{.+}}[%[[I]]]
// ALL-LABEL:   func.func @small(
// ALL:           scf.parallel
func.func @small(%out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %out[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A parallel loop inside a serial loop is serialized, however big.
// CHECK-LABEL: func.func @inside_serial_loop(
// CHECK-NOT:     scf.parallel
// ALL-LABEL:   func.func @inside_serial_loop(
// ALL-NOT:       scf.parallel
func.func @inside_serial_loop(%out: memref<64x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    scf.parallel (%j) = (%c0) to (%c4096) step (%c1) {
      memref.store %zero, %out[%i, %j] : memref<64x4096xf32>
      scf.reduce
    }
  }
  return
}

// -----

// Of a big multi-dimensional loop, only the leading dimensions that give enough chunks
// for the team stay parallel; the innermost runs as a plain loop LLVM can vectorize.
// CHECK-LABEL: func.func @keeps_leading_dims(
// CHECK:         scf.parallel (%[[I:.+]]) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) {
// CHECK-NEXT:      scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step
// CHECK-NEXT:        memref.store %{{.+}}, %{{.+}}[%[[I]], %[[J]]]
// CHECK:           scf.reduce
// ALL-LABEL:   func.func @keeps_leading_dims(
func.func @keeps_leading_dims(%out: memref<64x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c4096) step (%c1, %c1) {
    memref.store %zero, %out[%i, %j] : memref<64x4096xf32>
    scf.reduce
  }
  return
}

// -----

// A kernel tiled by rows: its leading row loop, which gives enough chunks, becomes a
// parallel loop, and the inner row loop stays inside it. The row's temporary, a scratch argument used
// directly, becomes a buffer private to each iteration; the per-row statistics buffer,
// reached through each row's subview, stays shared.
// CHECK-LABEL: func.func private @rows(
// CHECK-SAME:    %[[X:.+]]: memref<64x32x16xf32>, %[[STATS:.+]]: memref<64x32xf32>, %[[TEMP:.+]]: memref<16xf32>)
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK-NEXT:      %[[PRIVATE:.+]] = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
// CHECK-NEXT:      scf.for %[[J:.+]] =
// CHECK:             memref.subview %[[STATS]][%[[I]], %[[J]]]
// CHECK:             memref.store %{{.+}}, %[[PRIVATE]]
// CHECK:           memref.dealloc %[[PRIVATE]]
// CHECK-NEXT:      scf.reduce
// ALL-LABEL:   func.func private @rows(
func.func private @rows(%x: memref<64x32x16xf32>, %stats: memref<64x32xf32>, %temp: memref<16xf32>) attributes {kiln.kernel, kiln.row_loops = 2 : i64, kiln.scratch_args = array<i64: 1, 2>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c32 step %c1 {
      %row_stats = memref.subview %stats[%i, %j] [1, 1] [1, 1] : memref<64x32xf32> to memref<1x1xf32, strided<[32, 1], offset: ?>>
      scf.for %k = %c0 to %c16 step %c1 {
        %v = memref.load %x[%i, %j, %k] : memref<64x32x16xf32>
        memref.store %v, %temp[%k] : memref<16xf32>
        memref.store %v, %row_stats[%c0, %c0] : memref<1x1xf32, strided<[32, 1], offset: ?>>
      }
    }
  }
  return
}
