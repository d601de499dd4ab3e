"""Kiln's decomposition table: Core ATen, then further down to what ``kiln`` can express.

Ops whose decomposition is a composition of primitives Kiln already converts
(normalizations, activations, ``addmm``, scatters) are decomposed here, so that
``convert-torch-to-kiln`` only has to know the primitive ATen ops. Each module covers
one family of ops and lists ``TORCH_DECOMPOSITIONS`` (ATen ops that take PyTorch's own
decomposition) and ``DECOMPOSITIONS`` (Kiln's own, which win over PyTorch's). A
decomposition returns ``NotImplemented`` to leave an op it cannot handle as it is.
"""

import functools

from torch._decomp import core_aten_decompositions, get_decompositions

from . import (convolution, distances, elementwise, indexing, linalg, nn, pooling, products,
               random, reductions, resampling, sorting)

FAMILIES = (convolution, distances, elementwise, indexing, linalg, nn, pooling, products,
            random, reductions, resampling, sorting)


def kiln_decomposition_table() -> dict:
    """The table passed to ``ExportedProgram.run_decompositions`` (a copy: the caller
    may change it)."""
    return dict(_table())


@functools.cache
def _table() -> dict:
    table = dict(core_aten_decompositions())
    for family in FAMILIES:
        table.update(get_decompositions(family.TORCH_DECOMPOSITIONS))
    for family in FAMILIES:
        table.update(family.DECOMPOSITIONS)
    return table
