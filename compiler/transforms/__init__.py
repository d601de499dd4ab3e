"""Target-independent transformations on the `kiln` dialect and on bufferized kernels:
fusion, outlining, memory planning (the CPU's own passes are in ``targets/cpu/transforms``).

Importing this package registers its passes.
"""

from . import (  # noqa: F401  (registers the passes)
    fallback_out_params,
    fuse,
    outline_kernels,
    plan_memory,
    reuse_dead_inputs,
    sink_result_reshapes,
)
