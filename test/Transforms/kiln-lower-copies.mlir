// RUN: kiln-opt %s --split-input-file --kiln-lower-copies | FileCheck %s

// A copy into the interior of a padded buffer, inside a kernel, becomes linalg.copy.
// CHECK-LABEL: func.func private @pad_interior(
// CHECK-SAME:    %[[X:.+]]: memref<8x32xf32>, %[[PADDED:.+]]: memref<10x34xf32>)
// CHECK:         %[[INTERIOR:.+]] = memref.subview %[[PADDED]]
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy {{.*}}ins(%[[X]] : memref<8x32xf32>) outs(%[[INTERIOR]] : memref<8x32xf32, strided<[34, 1], offset: 35>>)
func.func private @pad_interior(%x: memref<8x32xf32>, %padded: memref<10x34xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  %interior = memref.subview %padded[1, 1] [8, 32] [1, 1] : memref<10x34xf32> to memref<8x32xf32, strided<[34, 1], offset: 35>>
  memref.copy %x, %interior : memref<8x32xf32> to memref<8x32xf32, strided<[34, 1], offset: 35>>
  return
}

// -----

// The host function's copies are the host program's business.
// CHECK-LABEL: func.func @host(
// CHECK:         memref.copy
// CHECK-NOT:     linalg.copy
func.func @host(%x: memref<4xf32>, %y: memref<4xf32>) {
  memref.copy %x, %y : memref<4xf32> to memref<4xf32>
  return
}
