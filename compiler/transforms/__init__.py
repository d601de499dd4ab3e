"""Transformations on the `kiln` dialect and on bufferized kernels: fusion, outlining, memory planning.

Importing this package registers its passes.
"""

from . import (  # noqa: F401  (registers the passes)
    expand_math,
    fallback_out_params,
    fuse,
    outline_kernels,
    plan_memory,
    mark_noalias,
    merge_parallel_regions,
    lower_contractions,
    lower_copies,
    order_loops,
    parallelize_loops,
    reassociate_reductions,
    tile_rows,
    reuse_dead_inputs,
    sink_result_reshapes,
    split_reductions,
)
