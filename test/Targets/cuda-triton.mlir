// RUN: rm -rf %t && %python -m kiln.compiler.tools.emit_artifact %s --target cuda --dump %t
// RUN: FileCheck %s --check-prefix=TRITON --input-file %t/triton.py
// RUN: FileCheck %s --check-prefix=PTX --input-file %t/ptx.ptx

// The CUDA target's Triton kernels for x @ w + b, GELU, then softmax (planned-stage
// kernels, as the driver hands them to emit_artifact), and their PTX for sm_90.

// The contraction, its fill and its bias + GELU epilogue are one tl.dot launch over
// output tiles, in IEEE fp32.
// TRITON-LABEL: def forward_kernel_0_0(
// TRITON:         tl.program_id(0)
// TRITON:         tl.dot({{.*}}input_precision="ieee")
// TRITON:         tl.store(
// TRITON-NOT:   def forward_kernel_0_1(

// Softmax is one launch with one program per row: a max reduction, exp, a sum
// reduction and the division, with a barrier between the nests.
// TRITON-LABEL: def forward_kernel_1_0(
// TRITON:         row{{[0-9]+}} = tl.program_id(0)
// TRITON:         tl.max(
// TRITON:         tl.debug_barrier()
// TRITON:         tl.exp(
// TRITON:         tl.sum(
// TRITON-NOT:   def forward_kernel_1_1(

// PTX 8.8 (the bundled CUDA 12.9 ptxas) for sm_90a, one entry per launch.
// PTX:     .version 8.8
// PTX:     .target sm_90a
// PTX:     .entry forward_kernel_0_0(
// PTX:     .version 8.8
// PTX:     .entry forward_kernel_1_0(

// kernel forward_kernel_0
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d2, d1)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map4 = affine_map<(d0, d1) -> (d1)>
module {
  func.func @forward_kernel_0(%arg0: memref<8x16xf32>, %arg1: memref<16x32xf32>, %arg2: memref<32xf32>, %arg3: memref<8x32xf32>) attributes {kiln.kernel, kiln.target = "cuda"} {
    %cst = arith.constant 1.000000e+00 : f32
    %cst_0 = arith.constant 0.707106769 : f32
    %cst_1 = arith.constant 5.000000e-01 : f32
    %cst_2 = arith.constant 0.000000e+00 : f32
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%arg3 : memref<8x32xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst_2 : f32
    }
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : memref<8x16xf32>, memref<16x32xf32>) outs(%arg3 : memref<8x32xf32>) {
    ^bb0(%in: f32, %in_3: f32, %out: f32):
      %0 = arith.mulf %in, %in_3 : f32
      %1 = arith.addf %out, %0 : f32
      linalg.yield %1 : f32
    }
    linalg.generic {indexing_maps = [#map, #map4, #map], iterator_types = ["parallel", "parallel"]} ins(%arg3, %arg2 : memref<8x32xf32>, memref<32xf32>) outs(%arg3 : memref<8x32xf32>) {
    ^bb0(%in: f32, %in_3: f32, %out: f32):
      %0 = arith.addf %in, %in_3 : f32
      %1 = arith.mulf %0, %cst_0 : f32
      %2 = math.erf %1 : f32
      %3 = arith.addf %2, %cst : f32
      %4 = arith.mulf %0, %cst_1 : f32
      %5 = arith.mulf %4, %3 : f32
      linalg.yield %5 : f32
    }
    return
  }
}
// -----
// kernel forward_kernel_1
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map3 = affine_map<(d0, d1) -> (d0, 0)>
module {
  func.func @forward_kernel_1(%arg0: memref<8x32xf32>, %arg1: memref<8x32xf32>, %arg2: memref<8x1xf32>) attributes {kiln.kernel, kiln.scratch_args = array<i64: 2>, kiln.target = "cuda"} {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%arg2 : memref<8x1xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst_0 : f32
    }
    %expand_shape = memref.expand_shape %arg0 [[0, 1], [2]] output_shape [8, 1, 32] : memref<8x32xf32> into memref<8x1x32xf32>
    linalg.generic {indexing_maps = [#map1, #map2], iterator_types = ["parallel", "parallel", "reduction"]} ins(%expand_shape : memref<8x1x32xf32>) outs(%arg2 : memref<8x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.maximumf %out, %in : f32
      linalg.yield %0 : f32
    }
    linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg2 : memref<8x32xf32>, memref<8x1xf32>) outs(%arg1 : memref<8x32xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %0 = arith.subf %in, %in_2 : f32
      %1 = math.exp %0 : f32
      linalg.yield %1 : f32
    }
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%arg2 : memref<8x1xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst : f32
    }
    %expand_shape_1 = memref.expand_shape %arg1 [[0, 1], [2]] output_shape [8, 1, 32] : memref<8x32xf32> into memref<8x1x32xf32>
    linalg.generic {indexing_maps = [#map1, #map2], iterator_types = ["parallel", "parallel", "reduction"]} ins(%expand_shape_1 : memref<8x1x32xf32>) outs(%arg2 : memref<8x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.addf %out, %in : f32
      linalg.yield %0 : f32
    }
    linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel"]} ins(%arg1, %arg2 : memref<8x32xf32>, memref<8x1xf32>) outs(%arg1 : memref<8x32xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %0 = arith.divf %in, %in_2 : f32
      linalg.yield %0 : f32
    }
    return
  }
}
