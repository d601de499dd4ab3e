// RUN: kiln-opt %s --split-input-file --kiln-merge-parallel-regions | FileCheck %s

// Two parallel loops with a view between them share one team: the view moves before
// the merged region, and each worksharing loop keeps its own (implicit) barrier.
// CHECK-LABEL: func.func @two_loops(
// CHECK:         memref.subview
// CHECK-NEXT:    omp.parallel {
// CHECK:           omp.wsloop {
// CHECK:             memref.store %{{.+}}, %arg1
// CHECK:           omp.wsloop {
// CHECK:             memref.store %{{.+}}, %{{.+}}
// CHECK:           omp.terminator
// CHECK-NOT:     omp.parallel
func.func @two_loops(%x: memref<64xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %two, %y[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  %half = memref.subview %x[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %y[%i] : memref<64xf32>
        memref.store %v, %x[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// A store between the regions runs on one thread between them: no merge.
// CHECK-LABEL: func.func @store_between(
// CHECK:         omp.parallel
// CHECK:         memref.store
// CHECK:         omp.parallel
func.func @store_between(%x: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %two, %x[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  memref.store %two, %x[%c0] : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %two, %x[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
