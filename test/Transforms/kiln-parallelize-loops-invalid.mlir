// RUN: kiln-opt %s --split-input-file --kiln-parallelize-loops --verify-diagnostics

// kiln.row_loops counts row loops and kiln.scratch_args names scratch arguments by
// index; any other kind of attribute is a diagnostic at the kernel (each raised
// ValueError in the pass).

// expected-error @+1 {{expects 'kiln.scratch_args' to be an array<i64> of argument indices, got array<i32: 1, 2>}}
func.func private @rows(%x: memref<64x32x16xf32>, %stats: memref<64x32xf32>, %temp: memref<16xf32>) attributes {kiln.kernel, kiln.row_loops = 2 : i64, kiln.scratch_args = array<i32: 1, 2>} {
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

// -----

// expected-error @+1 {{expects 'kiln.row_loops' to be an integer, got f32}}
func.func private @rows(%x: memref<64x32x16xf32>, %stats: memref<64x32xf32>, %temp: memref<16xf32>) attributes {kiln.kernel, kiln.row_loops = f32, kiln.scratch_args = array<i64: 1, 2>} {
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
