"""Dense linear algebra on small static matrices.

Shapes are static, so each factorization is unrolled over the matrix dimension at
decomposition time, a few batched tensor ops per step, following the LAPACK routine
eager calls (pivot choices and sign conventions included), so that results match
eager's up to rounding. Matrices larger than ``matrices.MAX_UNROLLED_SIZE`` are left
alone (refused).
"""

from . import (cholesky, determinant, ldl, lu, powers, pseudoinverse, qr, solve, spectral,
               triangular)

FAMILIES = (cholesky, determinant, ldl, lu, powers, pseudoinverse, qr, solve, spectral,
            triangular)

TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {op: fn for family in FAMILIES for op, fn in family.DECOMPOSITIONS.items()}
