"""Matrix powers and the matrix exponential, from matrix products."""

import torch

from .matrices import REAL_DTYPES, identity, widened

aten = torch.ops.aten

# The exponential scales its argument to a 1-norm of at most 1/2 by halving it at most
# this many times, then squares the result back as often; the 1-norm may reach 2^63.
MAX_SQUARINGS = 64
TAYLOR_DEGREE = 18


def linalg_matrix_power(a, n):
    """``torch.linalg.matrix_power`` with eager's products in eager's order: ``a^0`` is
    the identity, a negative power is one of the inverse, and larger powers multiply
    the repeated squares ``a^(2^i)`` of the set bits of ``n`` from the lowest."""
    if a.numel() == 0 or a.is_complex():
        return NotImplemented
    if n == 0:
        return identity(a.shape[-1], a).expand(a.shape).clone()
    if n < 0:
        a, n = torch.linalg.inv(a), -n
    if n == 1:
        return a.clone()
    if n == 3:
        return (a @ a) @ a
    result, square = None, None
    while n > 0:
        square = a if square is None else square @ square
        if n % 2:
            result = square if result is None else result @ square
        n //= 2
    return result


def linalg_matrix_exp(a):
    """``torch.linalg.matrix_exp`` by scaling and squaring, in float64.

    ``a`` is halved ``s`` times, to a 1-norm of at most 1/2, where the Taylor polynomial
    of degree 18 is exact to float64's precision; its value is squared ``s`` times. The
    graph is static, so all ``MAX_SQUARINGS`` squarings are computed and only the first
    ``s`` are kept. A matrix that would need more (a 1-norm beyond 2^63, or not finite)
    gives NaN.
    """
    if a.dtype not in REAL_DTYPES or a.numel() == 0:
        return NotImplemented
    x = widened(a)
    norm = x.abs().sum(-2).amax(-1)[..., None, None]
    halvings = torch.clamp(torch.ceil(torch.log2(norm * 2)), min=0)
    x = x * torch.exp2(-halvings)
    eye = identity(a.shape[-1], x)
    result = eye + x / TAYLOR_DEGREE
    for degree in range(TAYLOR_DEGREE - 1, 0, -1):
        result = eye + (x @ result) / degree
    for squaring in range(MAX_SQUARINGS):
        result = torch.where(squaring < halvings, result @ result, result)
    return torch.where(halvings <= MAX_SQUARINGS, result, float("nan")).to(a.dtype)


DECOMPOSITIONS = {
    aten.linalg_matrix_power.default: linalg_matrix_power,
    aten.linalg_matrix_exp.default: linalg_matrix_exp,
}
