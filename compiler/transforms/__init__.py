"""Transformations on the `kiln` dialect and on bufferized kernels: fusion, outlining, memory planning.

Importing this package registers its passes.
"""

from . import fuse, outline_kernels, plan_memory  # noqa: F401  (registers the passes)
