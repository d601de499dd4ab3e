// RUN: kiln-opt %s --split-input-file --kiln-mark-noalias | FileCheck %s

// Disjoint arena views and host arguments are marked; the in-place pair (two views of
// the same bytes) and a buffer passed twice are not.
// CHECK-LABEL: func.func private @disjoint(
// CHECK-SAME:    %{{.+}}: memref<16xf32> {llvm.noalias}, %{{.+}}: memref<16xf32> {llvm.noalias}, %{{.+}}: memref<16xf32> {llvm.noalias})
// CHECK-LABEL: func.func private @in_place(
// CHECK-SAME:    %{{.+}}: memref<16xf32>, %{{.+}}: memref<16xf32>, %{{.+}}: memref<16xf32> {llvm.noalias})
// CHECK-LABEL: func.func private @twice(
// CHECK-SAME:    %{{.+}}: memref<16xf32>, %{{.+}}: memref<16xf32>, %{{.+}}: memref<16xf32> {llvm.noalias})
func.func @forward(%x: memref<16xf32>, %out: memref<16xf32>) {
  %arena = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<128xi8>
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %a = memref.view %arena[%c0][] {kiln.buffer = {id = 0 : i64, live = array<i64: 3, 4>, offset = 0 : i64, size = 64 : i64}} : memref<128xi8> to memref<16xf32>
  %b = memref.view %arena[%c64][] {kiln.buffer = {id = 1 : i64, live = array<i64: 3, 5>, offset = 64 : i64, size = 64 : i64}} : memref<128xi8> to memref<16xf32>
  %c = memref.view %arena[%c0][] {kiln.buffer = {id = 2 : i64, in_place_of = 0 : i64, live = array<i64: 4, 5>, offset = 0 : i64, size = 64 : i64}} : memref<128xi8> to memref<16xf32>
  call @disjoint(%x, %a, %b) : (memref<16xf32>, memref<16xf32>, memref<16xf32>) -> ()
  call @in_place(%a, %c, %x) : (memref<16xf32>, memref<16xf32>, memref<16xf32>) -> ()
  call @twice(%b, %b, %out) : (memref<16xf32>, memref<16xf32>, memref<16xf32>) -> ()
  return
}
func.func private @disjoint(%p: memref<16xf32>, %q: memref<16xf32>, %r: memref<16xf32>) attributes {kiln.kernel} {
  return
}
func.func private @in_place(%p: memref<16xf32>, %q: memref<16xf32>, %r: memref<16xf32>) attributes {kiln.kernel} {
  return
}
func.func private @twice(%p: memref<16xf32>, %q: memref<16xf32>, %r: memref<16xf32>) attributes {kiln.kernel} {
  return
}
