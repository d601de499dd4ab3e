"""Kiln's decomposition table: Core ATen, then further down to what ``kiln`` can express.

Ops whose PyTorch decomposition is a composition of primitives Kiln already converts
(normalizations, activations, ``addmm``) are decomposed here, so that
``convert-torch-to-kiln`` only has to know the primitive ATen ops.
"""

import torch
from torch._decomp import core_aten_decompositions, get_decompositions

aten = torch.ops.aten

KILN_EXTRA_DECOMPOSITIONS = [
    aten._log_softmax,
    aten._native_batch_norm_legit_functional,
    aten._softmax,
    aten.addmm,
    aten.clamp,
    aten.elu,
    aten.embedding,
    aten.gelu,
    aten.hardtanh,
    aten.leaky_relu,
    aten.linalg_vector_norm,
    aten.native_group_norm,
    aten.native_layer_norm,
    aten.unfold,
    aten.upsample_bilinear2d,
    aten.upsample_nearest2d,
]


def _reduced_count(x: torch.Tensor, dims) -> int:
    """How many elements each result of reducing ``x`` over ``dims`` sums."""
    if x.dim() == 0:  # eager lets dim 0 (or -1) name a 0-d tensor's one element
        return 1
    dims = dims if dims else range(x.dim())  # None and [] both mean every dimension
    count = 1
    for d in dims:
        count *= x.shape[d]
    return count


HALF_PRECISION = (torch.float16, torch.bfloat16)


def var_mean(x, dim=None, *, correction=None, keepdim=False):
    """Two-pass variance in plain sums, so no ``prims.var`` reaches the importer.

    Half-precision inputs are computed in float32 and rounded once, as eager does."""
    if x.dtype in HALF_PRECISION:
        var, mean = var_mean(x.float(), dim, correction=correction, keepdim=keepdim)
        return var.to(x.dtype), mean.to(x.dtype)
    correction = 1 if correction is None else correction
    count = _reduced_count(x, dim)
    mean = torch.sum(x, dim, keepdim=True) / count
    deviation = x - mean
    var = torch.sum(deviation * deviation, dim, keepdim=keepdim) / max(count - correction, 0)
    if keepdim:
        return var, mean
    return var, mean.reshape(var.shape)


def var(x, dim=None, *, correction=None, keepdim=False):
    return var_mean(x, dim, correction=correction, keepdim=keepdim)[0]


def mean(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over count; half precision sums and divides in float32 and rounds once, as eager."""
    x = x if dtype is None else x.to(dtype)
    if x.dtype in HALF_PRECISION:
        return mean(x.float(), dim, keepdim).to(x.dtype)
    return torch.sum(x, dim, keepdim=keepdim) / _reduced_count(x, dim)


def threshold_backward(grad, x, threshold):
    """``grad`` where ``x > threshold``, else 0, in the dtype eager promotes the two to
    (torch's own decomposition keeps ``grad``'s dtype: an int64 grad gave int64)."""
    dtype = torch.result_type(grad, x)
    return torch.where(x <= threshold, torch.zeros((), dtype=dtype), grad.to(dtype))


TORCH_ADAPTIVE_AVG_POOL2D = get_decompositions([aten._adaptive_avg_pool2d])[aten._adaptive_avg_pool2d.default]


def adaptive_avg_pool2d(x, output_size):
    """Adaptive pooling whose windows tile the input evenly is a plain average pool;
    other windows take torch's decomposition (gathers of the widest window, masked)."""
    in_h, in_w = x.shape[-2:]
    out_h, out_w = output_size
    if in_h % out_h or in_w % out_w:
        return TORCH_ADAPTIVE_AVG_POOL2D(x, output_size)
    kernel = [in_h // out_h, in_w // out_w]
    return aten.avg_pool2d.default(x, kernel, kernel)


def batch_norm_inference(x, weight, bias, running_mean, running_var, momentum, eps):
    """``_native_batch_norm_legit_no_training`` with the statistics broadcast over NC..."""
    shape = [1, -1] + [1] * (x.dim() - 2)
    inv_std = torch.rsqrt(running_var + eps)
    out = (x - running_mean.reshape(shape)) * inv_std.reshape(shape)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    empty = x.new_zeros((0,))
    return out, empty, empty


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """Attention in plain ops, returned contiguous as eager's CPU kernel returns it.

    torch's own decomposition (through ``_scaled_dot_product_flash_attention_for_cpu``)
    returns it (L, N, H, E) in memory; a traced ``transpose(1, 2).reshape(...)`` of the
    output then becomes a view that a later ``view`` cannot follow (GPT-2 with SDPA).
    """
    if query.dim() != 4 or dropout_p:
        return NotImplemented
    if attn_mask is not None and attn_mask.dtype == torch.bool:  # True: may attend
        attn_mask = torch.where(attn_mask, 0.0, float("-inf")).to(query.dtype)
    output, _ = aten._scaled_dot_product_attention_math.default(
        query, key, value, attn_mask, dropout_p, is_causal, None, scale=scale,
        enable_gqa=enable_gqa)
    return output


def safe_softmax(x, dim, dtype=None):
    """Softmax whose rows of only -inf give 0: such a row is one whose max is -inf, so
    the test reuses the max softmax takes (torch's decomposition reduces a second,
    boolean copy of the scores; attention then needs one more kernel)."""
    if x.dim() and x.shape[dim] == 0:
        return NotImplemented
    out = torch.softmax(x, dim=dim, dtype=dtype)
    compute = x if dtype is None else x.to(dtype)
    row_max = torch.amax(compute, dim, keepdim=True)
    return torch.where(row_max == float("-inf"), torch.zeros((), dtype=out.dtype), out)


def as_strided(x, size, stride, storage_offset=None):
    """``as_strided`` that reads a contiguous tensor in row-major order is a view."""
    contiguous, step = [], 1
    for extent in reversed(size):
        contiguous.insert(0, step)
        step *= extent
    row_major = all(s == c for s, c, n in zip(stride, contiguous, size) if n != 1)
    if not (x.is_contiguous() and not storage_offset and x.numel() == step and row_major):
        return NotImplemented
    return aten.view.default(x, size)


def _scan(reduce, identity, x, dim, dtype):
    """The inclusive scan of ``x`` along ``dim``: result k reduces the elements j <= k.

    Written as a reduction over a masked copy with one more dimension (j next to k), so
    it needs no loop-carried value; integers and booleans scan in int64 and half
    precision in float32, as eager does."""
    if dtype is not None:
        x = x.to(dtype)
    elif not x.is_floating_point() and not x.is_complex():
        x = x.to(torch.int64)
    if x.dtype in HALF_PRECISION:
        return _scan(reduce, identity, x.float(), dim, None).to(x.dtype)
    if x.dim() == 0:
        return x.clone()
    dim = dim % x.dim()
    length = x.shape[dim]
    positions = torch.arange(length, device=x.device)
    trailing = [1] * (x.dim() - dim - 1)
    included = (positions.unsqueeze(1) >= positions).reshape([length, length] + trailing)
    masked = torch.where(included, x.unsqueeze(dim), torch.full((), identity, dtype=x.dtype))
    return reduce(masked, dim + 1)


def cumsum(x, dim, *, dtype=None):
    return _scan(torch.sum, 0, x, dim, dtype)


def cumprod(x, dim, *, dtype=None):
    return _scan(torch.prod, 1, x, dim, dtype)


def _slice_to(x, shape):
    """The leading ``shape`` corner of ``x``."""
    for dim, size in enumerate(shape):
        if x.shape[dim] != size:
            x = x.narrow(dim, 0, size)
    return x


def _pad_to(x, shape, value):
    """``x`` padded with ``value`` at the end of each dimension up to ``shape``."""
    padding = []
    for have, want in reversed(list(zip(x.shape, shape))):
        padding += [0, want - have]
    return aten.constant_pad_nd.default(x, padding, value) if any(padding) else x


def _scatter_matches(x, dim, index):
    """Whether each position of ``index`` writes each target along ``dim``: ``index``'s
    shape with an axis of ``x.shape[dim]`` targets inserted before ``dim``."""
    targets = x.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    positions = torch.arange(targets, device=x.device).reshape([targets, 1] + trailing)
    return index.unsqueeze(dim) == positions


SCATTER_REDUCTIONS = {  # name: (reduce over a dimension, combine with self)
    "sum": (torch.sum, torch.add),
    "mean": (torch.sum, torch.add),
    "prod": (torch.prod, torch.mul),
    "amax": (torch.amax, torch.maximum),
    "amin": (torch.amin, torch.minimum),
}


def _reduction_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.is_floating_point:
        low, high = -float("inf"), float("inf")
    else:
        low, high = torch.iinfo(dtype).min, torch.iinfo(dtype).max
    return low if reduce == "amax" else high


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """Each target along ``dim`` reduces the sources that ``index`` sends it (and itself
    with ``include_self``); a target nothing is sent to keeps its value. The sources are
    masked per target, so no write order is involved."""
    if x.dim() == 0 or reduce not in SCATTER_REDUCTIONS or x.dtype == torch.bool:
        return NotImplemented
    dim = dim % x.dim()
    reduce_over, combine = SCATTER_REDUCTIONS[reduce]
    identity = _reduction_identity(reduce, x.dtype)
    matches = _scatter_matches(x, dim, index)
    sources = _slice_to(src, index.shape).to(x.dtype).unsqueeze(dim)
    reduced = reduce_over(torch.where(matches, sources, torch.full((), identity, dtype=x.dtype)), dim + 1)
    reduced = _pad_to(reduced, x.shape, identity)
    count = _pad_to(matches.sum(dim + 1), x.shape, 0)
    result = combine(x, reduced) if include_self else reduced
    if reduce == "mean":
        # clamped: a target with no sources and no self keeps its value below anyway
        divisor = (count + int(include_self)).clamp(min=1)
        result = result / divisor if x.is_floating_point() else torch.div(result, divisor, rounding_mode="floor")
    return torch.where(count > 0, result.to(x.dtype), x)


def scatter_add(x, dim, index, src):
    return scatter_reduce(x, dim, index, src, "sum")


def scatter_legacy_reduce(x, dim, index, src, reduce):
    """``scatter(..., reduce="add" | "multiply")``."""
    return scatter_reduce(x, dim, index, src, {"add": "sum", "multiply": "prod"}[reduce])


def scatter(x, dim, index, src):
    """Each target along ``dim`` takes the last source that ``index`` sends it (the
    order of eager's CPU loop), or keeps its value."""
    if x.dim() == 0:
        return NotImplemented
    dim = dim % x.dim()
    if not isinstance(src, torch.Tensor):
        src = torch.full(index.shape, src, dtype=x.dtype, device=x.device)
    src = _slice_to(src, index.shape).to(x.dtype)
    length = index.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    sources = torch.arange(length, device=x.device).reshape([length] + trailing)
    last = torch.where(_scatter_matches(x, dim, index), sources, -1).amax(dim + 1)
    written = _pad_to(torch.gather(src, dim, last.clamp(min=0)), x.shape, 0)
    return torch.where(_pad_to(last, x.shape, -1) >= 0, written, x)


def index_put(x, indices, values, accumulate=False):
    """``x[indices] = values`` (or ``+=``) with index tensors for the leading dimensions:
    a scatter over ``x``'s rows flattened to one dimension."""
    if x.dim() == 0 or any(i is None or i.dtype == torch.bool for i in indices):
        return NotImplemented
    indices = torch.broadcast_tensors(*indices)
    leading, rest = x.shape[:len(indices)], list(x.shape[len(indices):])
    row = indices[0] % leading[0]
    for index, size in zip(indices[1:], leading[1:]):
        row = row * size + index % size
    values = values.to(x.dtype).broadcast_to(list(row.shape) + rest).reshape([-1] + rest)
    rows = row.reshape([-1] + [1] * len(rest)).expand(values.shape)
    flat = x.reshape([-1] + rest)
    result = scatter_add(flat, 0, rows, values) if accumulate else scatter(flat, 0, rows, values)
    return result.reshape(x.shape)


KILN_DECOMPOSITIONS = {
    aten.scatter.src: scatter,
    aten.scatter.value: scatter,
    aten.scatter.reduce: scatter_legacy_reduce,
    aten.scatter_add.default: scatter_add,
    aten.scatter_reduce.two: scatter_reduce,
    aten.index_put.default: index_put,
    aten.cumsum.default: cumsum,
    aten.cumprod.default: cumprod,
    aten.as_strided.default: as_strided,
    aten.scaled_dot_product_attention.default: scaled_dot_product_attention,
    aten._safe_softmax.default: safe_softmax,
    aten.var_mean.correction: var_mean,
    aten.var.correction: var,
    aten._native_batch_norm_legit_no_training.default: batch_norm_inference,
    aten.mean.dim: mean,
    aten.mean.default: mean,
    aten.threshold_backward.default: threshold_backward,
    aten._adaptive_avg_pool2d.default: adaptive_avg_pool2d,
}


def kiln_decomposition_table() -> dict:
    """The table passed to ``ExportedProgram.run_decompositions``."""
    table = dict(core_aten_decompositions())
    table.update(get_decompositions(KILN_EXTRA_DECOMPOSITIONS))
    table.update(KILN_DECOMPOSITIONS)
    return table
