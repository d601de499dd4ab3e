"""The CPU target's own passes: row tiling, split reductions, loop order, packed GEMMs,
vector math, OpenMP loops and noalias marks. Importing this package registers them."""

from . import (  # noqa: F401  (registers the passes)
    expand_math,
    lower_contractions,
    lower_copies,
    mark_noalias,
    merge_parallel_regions,
    order_loops,
    parallelize_loops,
    reassociate_reductions,
    split_reductions,
    tile_rows,
)
