"""Neural-network layers: activations, normalizations, softmax and attention."""

import torch

aten = torch.ops.aten


def threshold_backward(grad, x, threshold):
    """``grad`` where ``x > threshold``, else 0, in the dtype eager promotes the two to
    (torch's own decomposition keeps ``grad``'s dtype: an int64 grad gave int64)."""
    dtype = torch.result_type(grad, x)
    return torch.where(x <= threshold, torch.zeros((), dtype=dtype), grad.to(dtype))



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


TORCH_DECOMPOSITIONS = [
    aten._log_softmax,
    aten._native_batch_norm_legit_functional,
    aten._softmax,
    aten.addmm,
    aten.clamp,
    aten.elu,
    aten.gelu,
    aten.hardtanh,
    aten.leaky_relu,
    aten.native_group_norm,
    aten.native_layer_norm,
]

DECOMPOSITIONS = {
    aten.scaled_dot_product_attention.default: scaled_dot_product_attention,
    aten._safe_softmax.default: safe_softmax,
    aten._native_batch_norm_legit_no_training.default: batch_norm_inference,
    aten.threshold_backward.default: threshold_backward,
}
