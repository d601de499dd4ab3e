// RUN: kiln-opt %s --split-input-file --kiln-plan-memory | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(kiln-plan-memory{print-plan})' 2>&1 | FileCheck %s --check-prefix=PLAN

// `live` numbers index the host block's ops after scratch lifting and copy elision,
// before the arena is inserted.

// Sharing: %a dies at op 3, %c is born at op 5, so %c reuses %a's bytes. %a and %b
// overlap at op 3 and never share: @transpose reads its input transposed, so its output
// may not be written in place.

// PLAN:      kiln-plan-memory: @share: arena 512 bytes, 768 bytes without reuse
// PLAN-NEXT:   buffer    offset      size  live        in place of
// PLAN-NEXT:   0              0       256  [1, 3]
// PLAN-NEXT:   1            256       256  [3, 5]
// PLAN-NEXT:   2              0       256  [5, 6]

// CHECK-LABEL: func.func @share(
// CHECK-SAME:    [[X:%.+]]: memref<8x8xf32>, [[OUT:%.+]]: memref<8x8xf32>)
// CHECK-SAME:    attributes {kiln.arena_bytes = 512 : i64, kiln.unshared_bytes = 768 : i64}
// CHECK:         [[ARENA:%.+]] = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<512xi8>
// CHECK:         [[C0:%.+]] = arith.constant 0 : index
// CHECK:         [[A:%.+]] = memref.view [[ARENA]][[[C0]]][] {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 3>, offset = 0 : i64, size = 256 : i64}} : memref<512xi8> to memref<8x8xf32>
// CHECK:         call @transpose([[X]], [[A]])
// CHECK:         [[C256:%.+]] = arith.constant 256 : index
// CHECK:         [[B:%.+]] = memref.view [[ARENA]][[[C256]]][] {kiln.buffer = {id = 1 : i64, live = array<i64: 3, 5>, offset = 256 : i64, size = 256 : i64}}
// CHECK:         call @transpose([[A]], [[B]])
// CHECK:         [[C:%.+]] = memref.view [[ARENA]][{{%.+}}][] {kiln.buffer = {id = 2 : i64, live = array<i64: 5, 6>, offset = 0 : i64, size = 256 : i64}}
// CHECK:         call @transpose([[B]], [[C]])
// CHECK:         call @transpose([[C]], [[OUT]])
// CHECK-NOT:     memref.dealloc
// CHECK:         return
func.func private @transpose(%arg0: memref<8x8xf32>, %arg1: memref<8x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<8x8xf32>) outs(%arg1 : memref<8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}
func.func @share(%x: memref<8x8xf32>, %out: memref<8x8xf32>) {
  %a = memref.alloc() : memref<8x8xf32>
  call @transpose(%x, %a) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  %b = memref.alloc() : memref<8x8xf32>
  call @transpose(%a, %b) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  %c = memref.alloc() : memref<8x8xf32>
  call @transpose(%b, %c) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  memref.dealloc %a : memref<8x8xf32>
  call @transpose(%c, %out) : (memref<8x8xf32>, memref<8x8xf32>) -> ()
  memref.dealloc %b : memref<8x8xf32>
  memref.dealloc %c : memref<8x8xf32>
  return
}

// -----

// Alignment: two live 4-byte buffers sit 64 bytes apart.

// CHECK-LABEL: func.func @align(
// CHECK-SAME:    attributes {kiln.arena_bytes = 128 : i64, kiln.unshared_bytes = 8 : i64}
// CHECK:         memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<128xi8>
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 2, 3>, offset = 0 : i64, size = 4 : i64}} : memref<128xi8> to memref<1xf32>
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 1 : i64, live = array<i64: 2, 3>, offset = 64 : i64, size = 4 : i64}} : memref<128xi8> to memref<1xf32>
func.func private @split(%arg0: memref<2xf32>, %arg1: memref<1xf32>, %arg2: memref<1xf32>) attributes {kiln.kernel} {
  return
}
func.func private @add(%arg0: memref<1xf32>, %arg1: memref<1xf32>, %arg2: memref<1xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%arg0, %arg1 : memref<1xf32>, memref<1xf32>) outs(%arg2 : memref<1xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.addf %in, %in_0 : f32
    linalg.yield %0 : f32
  }
  return
}
func.func @align(%x: memref<2xf32>, %out: memref<1xf32>) {
  %a = memref.alloc() : memref<1xf32>
  %b = memref.alloc() : memref<1xf32>
  call @split(%x, %a, %b) : (memref<2xf32>, memref<1xf32>, memref<1xf32>) -> ()
  call @add(%a, %b, %out) : (memref<1xf32>, memref<1xf32>, memref<1xf32>) -> ()
  return
}

// -----

// In place: @exp is elementwise and %a dies at op 3, so %b takes %a's bytes.

// CHECK-LABEL: func.func @in_place(
// CHECK-SAME:    attributes {kiln.arena_bytes = 128 : i64, kiln.unshared_bytes = 256 : i64}
// CHECK:         [[A:%.+]] = memref.view {{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 3>, offset = 0 : i64, size = 128 : i64}}
// CHECK:         [[B:%.+]] = memref.view {{.*}} {kiln.buffer = {id = 1 : i64, in_place_of = 0 : i64, live = array<i64: 3, 4>, offset = 0 : i64, size = 128 : i64}}
// CHECK:         call @exp([[A]], [[B]])
func.func private @exp(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  %cst = arith.constant 1.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    %1 = arith.addf %0, %cst : f32
    linalg.yield %1 : f32
  }
  return
}
func.func @in_place(%x: memref<4x8xf32>, %out: memref<4x8xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  %b = memref.alloc() : memref<4x8xf32>
  call @exp(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  call @exp(%b, %out) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// Not in place: %a is read again after the elementwise call that produces %b.

// CHECK-LABEL: func.func @still_used(
// CHECK-SAME:    attributes {kiln.arena_bytes = 256 : i64, kiln.unshared_bytes = 256 : i64}
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 4>, offset = 0 : i64, size = 128 : i64}}
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 1 : i64, live = array<i64: 3, 4>, offset = 128 : i64, size = 128 : i64}}
func.func private @exp(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  return
}
func.func private @add(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>, %arg2: memref<4x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : memref<4x8xf32>, memref<4x8xf32>) outs(%arg2 : memref<4x8xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.addf %in, %in_0 : f32
    linalg.yield %0 : f32
  }
  return
}
func.func @still_used(%x: memref<4x8xf32>, %out: memref<4x8xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  %b = memref.alloc() : memref<4x8xf32>
  call @exp(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  call @add(%a, %b, %out) : (memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// Not in place: a matmul (it reduces) may not overwrite its dying input.

// CHECK-LABEL: func.func @reduction(
// CHECK-SAME:    attributes {kiln.arena_bytes = 512 : i64, kiln.unshared_bytes = 512 : i64}
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 3>, offset = 0 : i64, size = 256 : i64}}
// CHECK:         memref.view {{.*}} {kiln.buffer = {id = 1 : i64, live = array<i64: 3, 4>, offset = 256 : i64, size = 256 : i64}}
func.func private @mm(%arg0: memref<8x8xf32>, %arg1: memref<8x8xf32>, %arg2: memref<8x8xf32>) attributes {kiln.kernel} {
  linalg.matmul ins(%arg0, %arg1 : memref<8x8xf32>, memref<8x8xf32>) outs(%arg2 : memref<8x8xf32>)
  return
}
func.func @reduction(%x: memref<8x8xf32>, %out: memref<8x8xf32>) {
  %a = memref.alloc() : memref<8x8xf32>
  call @mm(%x, %x, %a) : (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>) -> ()
  %b = memref.alloc() : memref<8x8xf32>
  call @mm(%a, %x, %b) : (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>) -> ()
  call @mm(%b, %x, %out) : (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>) -> ()
  return
}

// -----

// Scratch lifting: the kernel's temporary becomes a trailing argument, allocated in the
// arena by the host, and recorded in kiln.scratch_args; its dealloc is gone.

// CHECK-LABEL: func.func private @with_scratch(
// CHECK-SAME:    [[X:%.+]]: memref<4x8xf32>, [[Y:%.+]]: memref<4x8xf32>, [[S:%.+]]: memref<4x8xf32>) attributes {kiln.kernel, kiln.scratch_args = array<i64: 2>}
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.generic {{.*}} ins([[X]] : memref<4x8xf32>) outs([[S]] : memref<4x8xf32>)
// CHECK:         linalg.generic {{.*}} ins([[S]] : memref<4x8xf32>) outs([[Y]] : memref<4x8xf32>)
// CHECK-NOT:     memref.dealloc
// CHECK:         return
// CHECK-LABEL: func.func @scratch(
// CHECK-SAME:    [[X:%.+]]: memref<4x8xf32>, [[OUT:%.+]]: memref<4x8xf32>)
// CHECK-SAME:    attributes {kiln.arena_bytes = 128 : i64, kiln.unshared_bytes = 128 : i64}
// CHECK:         [[ARENA:%.+]] = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<128xi8>
// CHECK:         [[S:%.+]] = memref.view [[ARENA]]{{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 1>, offset = 0 : i64, size = 128 : i64}}
// CHECK:         call @with_scratch([[X]], [[OUT]], [[S]]) : (memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>) -> ()
func.func private @with_scratch(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  %alloc = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%alloc : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%alloc : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %in : f32
    linalg.yield %0 : f32
  }
  memref.dealloc %alloc : memref<4x8xf32>
  return
}
func.func @scratch(%x: memref<4x8xf32>, %out: memref<4x8xf32>) {
  call @with_scratch(%x, %out) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// -----

// Output copy elision: the producers write straight into the out-parameters, through
// the inverse reshape when a view was copied. Nothing is left for the arena.

// CHECK-LABEL: func.func @outputs(
// CHECK-SAME:    [[X:%.+]]: memref<4x8xf32>, [[OUT0:%.+]]: memref<4x8xf32>, [[OUT1:%.+]]: memref<32xf32>)
// CHECK-SAME:    attributes {kiln.arena_bytes = 0 : i64, kiln.unshared_bytes = 0 : i64}
// CHECK-NOT:     memref.alloc
// CHECK:         call @exp([[X]], [[OUT0]])
// CHECK:         [[E:%.+]] = memref.expand_shape [[OUT1]] {{\[\[}}0, 1]] output_shape [4, 8] : memref<32xf32> into memref<4x8xf32>
// CHECK:         call @exp([[X]], [[E]])
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func private @exp(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  return
}
func.func @outputs(%x: memref<4x8xf32>, %out0: memref<4x8xf32>, %out1: memref<32xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  %b = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  %collapse_shape = memref.collapse_shape %b [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  memref.copy %a, %out0 : memref<4x8xf32> to memref<4x8xf32>
  memref.copy %collapse_shape, %out1 : memref<32xf32> to memref<32xf32>
  return
}

// -----

// A buffer copied to two outputs: the last copy is elided, the other now copies from
// that output.

// CHECK-LABEL: func.func @twice(
// CHECK-SAME:    [[X:%.+]]: memref<4x8xf32>, [[OUT0:%.+]]: memref<4x8xf32>, [[OUT1:%.+]]: memref<4x8xf32>)
// CHECK-SAME:    attributes {kiln.arena_bytes = 0 : i64, kiln.unshared_bytes = 0 : i64}
// CHECK-NEXT:    call @exp([[X]], [[OUT1]])
// CHECK-NEXT:    memref.copy [[OUT1]], [[OUT0]]
// CHECK-NEXT:    return
func.func private @exp(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  return
}
func.func @twice(%x: memref<4x8xf32>, %out0: memref<4x8xf32>, %out1: memref<4x8xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  memref.copy %a, %out0 : memref<4x8xf32> to memref<4x8xf32>
  memref.copy %a, %out1 : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// A buffer copied to an output but read again afterwards keeps its copy and its arena
// slot; the buffer computed from it is written straight into the second output.

// CHECK-LABEL: func.func @read_after_copy(
// CHECK-SAME:    [[X:%.+]]: memref<4x8xf32>, [[OUT0:%.+]]: memref<4x8xf32>, [[OUT1:%.+]]: memref<4x8xf32>)
// CHECK-SAME:    attributes {kiln.arena_bytes = 128 : i64, kiln.unshared_bytes = 128 : i64}
// CHECK:         [[A:%.+]] = memref.view {{.*}} {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 3>, offset = 0 : i64, size = 128 : i64}}
// CHECK-NEXT:    call @exp([[X]], [[A]])
// CHECK-NEXT:    memref.copy [[A]], [[OUT0]]
// CHECK-NEXT:    call @exp([[A]], [[OUT1]])
// CHECK-NEXT:    return
func.func private @exp(%arg0: memref<4x8xf32>, %arg1: memref<4x8xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0 : memref<4x8xf32>) outs(%arg1 : memref<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  return
}
func.func @read_after_copy(%x: memref<4x8xf32>, %out0: memref<4x8xf32>, %out1: memref<4x8xf32>) {
  %a = memref.alloc() : memref<4x8xf32>
  call @exp(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  memref.copy %a, %out0 : memref<4x8xf32> to memref<4x8xf32>
  %b = memref.alloc() : memref<4x8xf32>
  call @exp(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
  memref.copy %b, %out1 : memref<4x8xf32> to memref<4x8xf32>
  return
}
