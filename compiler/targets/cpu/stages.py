"""The CPU target's passes in the driver's stages, and its ``llvm`` stage."""

from ...passes.pipeline import register_pipeline_alias
from ...passes.stages import Stage
from ..base import TargetPasses
from . import transforms  # noqa: F401  (registers the CPU passes the stages name)

register_pipeline_alias(
    "kiln-lower-to-llvm",
    "kiln-lower-copies, convert-linalg-to-parallel-loops, kiln-parallelize-loops, "
    "kiln-expand-math, convert-scf-to-openmp, canonicalize, kiln-merge-parallel-regions, "
    "expand-strided-metadata, lower-affine, convert-scf-to-cf, "
    "convert-vector-to-llvm, convert-math-to-llvm, convert-math-to-libm, convert-arith-to-llvm, "
    "finalize-memref-to-llvm, "
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv}, convert-cf-to-llvm, "
    "convert-openmp-to-llvm, reconcile-unrealized-casts",
    "Lower loops over buffers to the LLVM dialect; big outermost parallel loops become "
    "OpenMP loops (run on torch's thread pool), the rest serial loops; memrefs pass as "
    "bare pointers; strided copies become loops (kiln-lower-copies); f32 exp, log, tanh and "
    "erf become polynomials (kiln-expand-math) that LLVM vectorizes",
)


def cpu_passes() -> TargetPasses:
    """The passes the CPU target adds to the driver's stages, and its ``llvm`` stage.

    In ``tiled`` it folds unit dimensions, runs row-reduction kernels with rows of 256
    or more elements one row at a time (``kiln-tile-rows``), splits reductions over 32768
    or more elements into chunk partials (``kiln-split-reductions``), moves reshapes of
    kernel results to the host (``kiln-sink-result-reshapes``), lets elementwise ops
    overwrite inputs that die there (``kiln-reuse-dead-inputs``; after the last
    canonicalization, which would undo it), puts a contiguous loop innermost in
    reductions (``kiln-order-loops``) and lets LLVM reassociate them
    (``kiln-reassociate-reductions``).

    In ``planned`` it turns f32 contractions into packed GEMMs before memory planning
    (``kiln-lower-contractions``, weights packed once by prepack kernels), and after it
    marks disjoint kernel arguments ``noalias``. ``llvm`` lowers each kernel to the LLVM
    dialect with OpenMP loops and vectorizable math (``kiln-lower-to-llvm``).
    """
    return TargetPasses(
        tiling="linalg-fold-unit-extent-dims, canonicalize, cse,"
               " kiln-tile-rows{min-row-length=256}, kiln-split-reductions, canonicalize, cse,"
               " kiln-sink-result-reshapes, kiln-reuse-dead-inputs, kiln-order-loops,"
               " kiln-reassociate-reductions",
        bufferized="kiln-lower-contractions",
        planned="kiln-mark-noalias, buffer-deallocation-pipeline",
        kernel_stages=(Stage("llvm", "builtin.module(kiln-lower-to-llvm)"),),
    )
