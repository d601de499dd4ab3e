// RUN: kiln-opt %s --split-input-file --kiln-lower-contractions | FileCheck %s

// nn.Linear's x @ w.T (w is not a host weight here): for each panel of 32 columns, in
// parallel, B is packed into a buffer of its own (read transposed: k is its unit
// stride), then the 8-row tiles and the 2-row tail tile run the micro-kernel on it
// (8 x 2 and 2 x 2 vector<16xf32> accumulators). The zero fill folds into zero
// accumulators.
// CHECK-LABEL: func.func private @linear(
// CHECK-SAME:    %[[X:.+]]: memref<10x4xf32>, %[[W:.+]]: memref<40x4xf32>, %[[Y:.+]]: memref<10x40xf32>)
// CHECK-NOT:     linalg.generic
// CHECK-DAG:     %[[A:.+]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [40], strides: [1]
// CHECK-DAG:     %[[B:.+]] = memref.reinterpret_cast %[[W]] to offset: [0], sizes: [160], strides: [1]
// CHECK-DAG:     %[[C:.+]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [400], strides: [1]
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%c0, %c0) to (%c1, %c2)
// CHECK-NEXT:      %[[P:.+]] = memref.alloc() {alignment = 64 : i64} : memref<128xf32>
// CHECK:           scf.for %[[V:.+]] =
// CHECK:             scf.for %[[K:.+]] =
// CHECK:               memref.load %[[B]]
// CHECK:               memref.store %{{.+}}, %[[P]]
// CHECK:           scf.for
// CHECK:             vector.create_mask
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2:       vector.load %[[P]]
// CHECK:               memref.load %[[A]]
// CHECK:               vector.broadcast
// CHECK:               vector.fma
// CHECK:             vector.maskedstore %[[C]]
// CHECK:           scf.for
// CHECK:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK:         return
func.func private @linear(%x: memref<10x4xf32>, %w: memref<40x4xf32>, %y: memref<10x40xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%y : memref<10x40xf32>) {
  ^bb0(%out: f32):
    linalg.yield %zero : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<10x4xf32>, memref<40x4xf32>) outs(%y : memref<10x40xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %0 = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %1 = arith.addf %acc, %0 fastmath<reassoc,contract> : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Without a zero fill the micro-kernel accumulates onto C: it loads C first. A batch
// dimension is the outer dimension of the parallel loop over panels.
// CHECK-LABEL: func.func private @batched_accumulate(
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%c0, %c0) to (%c3, %c1)
// CHECK:           vector.maskedload
// CHECK:           vector.fma
// CHECK:           vector.maskedstore
func.func private @batched_accumulate(%a: memref<3x8x5xf32>, %b: memref<3x5x16xf32>, %c: memref<3x8x16xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  linalg.generic {indexing_maps = [affine_map<(b, i, j, k) -> (b, i, k)>, affine_map<(b, i, j, k) -> (b, k, j)>, affine_map<(b, i, j, k) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : memref<3x8x5xf32>, memref<3x5x16xf32>) outs(%c : memref<3x8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Not contractions: an f64 matmul, and a reduction that multiplies three values.
// CHECK-LABEL: func.func private @left_alone(
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:     vector.fma
func.func private @left_alone(%a: memref<4x4xf64>, %b: memref<4x4xf64>, %c: memref<4x4xf64>, %x: memref<4x4xf32>, %y: memref<4xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>) {
  ^bb0(%p: f64, %q: f64, %acc: f64):
    %0 = arith.mulf %p, %q : f64
    %1 = arith.addf %acc, %0 : f64
    linalg.yield %1 : f64
  }
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x4xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%p: f32, %acc: f32):
    %0 = arith.mulf %p, %p : f32
    %1 = arith.mulf %0, %p : f32
    %2 = arith.addf %acc, %1 : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// A 3x3 convolution: the input is B, packed as im2col (its k splits into ic, kh, kw and
// its columns into oh, ow), and the filter is A, whose k = (ic, kh, kw) is contiguous.
// CHECK:       #[[IM2COL:.+]] = affine_map<(d0, d1)[s0] -> (d0 mod 3 + s0 + ((d0 floordiv 3) mod 3) * 6 + (d0 floordiv 9) * 36 + d1 mod 4 + (d1 floordiv 4) * 6)>
// CHECK-LABEL: func.func private @convolution(
// CHECK-SAME:    %[[IN:.+]]: memref<1x2x6x6xf32>, %[[FILTER:.+]]: memref<4x2x3x3xf32>
// CHECK-DAG:     memref.reinterpret_cast %[[IN]] to offset: [0], sizes: [72]
// CHECK-DAG:     memref.reinterpret_cast %[[FILTER]] to offset: [0], sizes: [72]
// CHECK:         scf.if %{{.+}} {
// CHECK:           vector.maskedload
// CHECK:           vector.store
// CHECK:         } else {
// CHECK:           affine.apply #[[IM2COL]](
// CHECK:         vector.fma
func.func private @convolution(%in: memref<1x2x6x6xf32>, %filter: memref<4x2x3x3xf32>, %out: memref<1x4x4x4xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  linalg.generic {indexing_maps = [affine_map<(n, oc, oh, ic, kh, kw, ow) -> (n, ic, oh + kh, ow + kw)>, affine_map<(n, oc, oh, ic, kh, kw, ow) -> (oc, ic, kh, kw)>, affine_map<(n, oc, oh, ic, kh, kw, ow) -> (n, oc, oh, ow)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%in, %filter : memref<1x2x6x6xf32>, memref<4x2x3x3xf32>) outs(%out : memref<1x4x4x4xf32>) {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A weight (a host argument among the first kiln.state_count) is packed by a kernel of
// its own into a persistent buffer the host allocates; the GEMM kernel reads the panels.
// CHECK-LABEL: func.func @host(
// CHECK-SAME:    %[[W:.+]]: memref<40x4xf32>, %[[X:.+]]: memref<10x4xf32>, %[[Y:.+]]: memref<10x40xf32>)
// CHECK:         %[[P:.+]] = memref.alloc() {alignment = 64 : i64, kiln.persistent} : memref<256xf32>
// CHECK:         call @linear_pack3(%[[W]], %[[P]])
// CHECK-NEXT:    call @linear(%[[X]], %[[W]], %[[Y]], %[[P]])
// CHECK-LABEL: func.func private @linear_pack3(
// CHECK-SAME:    {kiln.kernel, kiln.prepack, kiln.target = "cpu"}
// CHECK:         scf.parallel
// CHECK:           memref.store
// CHECK-LABEL: func.func private @linear(
// CHECK-SAME:    %{{.+}}: memref<256xf32>)
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.store
// CHECK:         vector.fma
func.func @host(%w: memref<40x4xf32>, %x: memref<10x4xf32>, %y: memref<10x40xf32>) attributes {kiln.state_count = 1 : i64} {
  call @linear(%x, %w, %y) : (memref<10x4xf32>, memref<40x4xf32>, memref<10x40xf32>) -> ()
  return
}
func.func private @linear(%x: memref<10x4xf32>, %w: memref<40x4xf32>, %y: memref<10x40xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<10x4xf32>, memref<40x4xf32>) outs(%y : memref<10x40xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// An output row of 16 columns: each 16 columns of a panel are one masked vector copy
// of the input, with no run-time contiguity check.
// CHECK-LABEL: func.func private @row_of_sixteen(
// CHECK-NOT:     scf.if
// CHECK:         vector.create_mask
// CHECK:         scf.for
// CHECK:           vector.maskedload
// CHECK:           vector.store
// CHECK:         vector.fma
func.func private @row_of_sixteen(%in: memref<1x1x2x18xf32>, %filter: memref<2x1x1x3xf32>, %out: memref<1x2x2x16xf32>) attributes {kiln.kernel, kiln.target = "cpu"} {
  linalg.generic {indexing_maps = [affine_map<(n, oc, oh, ic, kh, kw, ow) -> (n, ic, oh + kh, ow + kw)>, affine_map<(n, oc, oh, ic, kh, kw, ow) -> (oc, ic, kh, kw)>, affine_map<(n, oc, oh, ic, kh, kw, ow) -> (n, oc, oh, ow)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%in, %filter : memref<1x1x2x18xf32>, memref<2x1x1x3xf32>) outs(%out : memref<1x2x2x16xf32>) {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
