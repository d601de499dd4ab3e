"""Matrix products that reduce to ``mm``, ``bmm`` and sums: ``addmv``, ``addbmm`` and the
trilinear form behind ``nn.functional.bilinear``."""

import string

import torch

aten = torch.ops.aten


def addbmm(x, batch1, batch2, *, beta=1, alpha=1):
    """``beta * x + alpha * sum_b batch1[b] @ batch2[b]``.

    The sum over the batch is folded into the contraction: laying ``batch1`` out as
    ``[n, B * k]`` and ``batch2`` as ``[B * k, m]``, one ``mm`` sums every product of
    the batch. As in eager, ``x`` is ignored when ``beta`` is 0 (its NaNs included),
    and integer inputs take integer ``alpha`` and ``beta``."""
    batch, rows, inner = batch1.shape
    lhs = batch1.permute(1, 0, 2).reshape(rows, batch * inner)
    out = torch.mm(lhs, batch2.reshape(batch * inner, batch2.shape[2]))
    if not x.is_floating_point() and not x.is_complex():
        beta, alpha = int(beta), int(alpha)
    if alpha != 1:
        out = alpha * out
    if beta == 0:
        return out
    return out + (x if beta == 1 else beta * x)


def trilinear(i1, i2, i3, expand1, expand2, expand3, sumdim, unroll_dim=1):
    """``aten._trilinear``: each input is unsqueezed at its ``expand`` dimensions, the
    three are multiplied and the product is summed over ``sumdim``.

    Written as one ``einsum`` over the dimensions each input really has, so the
    broadcast product is never materialized: ``nn.functional.bilinear`` becomes two
    contractions, as in eager (``unroll_dim`` only picks eager's loop order)."""
    total = i1.dim() + len(expand1)
    expand1, expand2, expand3, sumdim = (
        {d % total for d in dims} for dims in (expand1, expand2, expand3, sumdim))
    if any(d not in sumdim for d in expand1 & expand2 & expand3):
        return NotImplemented  # a size-1 output dimension no input has
    letters = string.ascii_letters[:total]

    def subscripts(expanded):
        return "".join(letters[d] for d in range(total) if d not in expanded)

    kept = "".join(letters[d] for d in range(total) if d not in sumdim)
    equation = f"{subscripts(expand1)},{subscripts(expand2)},{subscripts(expand3)}->{kept}"
    return torch.einsum(equation, i1, i2, i3)


TORCH_DECOMPOSITIONS = [aten.addmv]

DECOMPOSITIONS = {
    aten.addbmm.default: addbmm,
    aten._trilinear.default: trilinear,
}
