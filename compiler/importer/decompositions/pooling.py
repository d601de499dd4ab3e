"""Adaptive pooling, and the gradient of max pooling."""

import math

import torch

aten = torch.ops.aten

UNROLLED_WINDOW_LIMIT = 64
"""The most positions a window may have for adaptive pooling to become a plain pooling
op, whose converter unrolls a window's positions into that many slices."""


def adaptive_avg_pool2d(x, output_size):
    """2-D adaptive average pooling (and 1-D, which eager runs as 2-D)."""
    return _adaptive_avg_pool(x, output_size, aten.avg_pool2d.default)


def adaptive_avg_pool3d(x, output_size):
    """Eager's 3-D kernel sums and divides half precision in half precision, each step
    rounded, which Kiln's f32 sums cannot match: uneven half windows are refused."""
    if x.dtype in (torch.float16, torch.bfloat16) and _even_kernel(x, output_size) is None:
        return NotImplemented
    return _adaptive_avg_pool(x, output_size, aten.avg_pool3d.default)


def _adaptive_avg_pool(x, output_size, avg_pool):
    """Adaptive average pooling. Windows that tile the input evenly, and are small, are
    a plain average pool; other windows are gathered at their widest, the positions
    past a window's end zeroed, summed and divided by each dimension's window length in
    turn, as eager's kernel divides. Half precision computes in f32 and rounds once."""
    if not x.is_floating_point():
        return NotImplemented
    kernel = _even_kernel(x, output_size)
    if kernel is not None:
        return avg_pool(x, kernel, kernel)
    if x.dtype in (torch.float16, torch.bfloat16):
        return _adaptive_avg_pool(x.float(), output_size, avg_pool).to(x.dtype)
    windows = AdaptiveWindows(x, output_size)
    total = torch.where(windows.inside(), windows.values(), 0).sum(-1)
    for dim, length in enumerate(windows.lengths()):
        total = total / length.to(x.dtype).reshape(windows.broadcast_shape(dim))
    return total


def adaptive_max_pool2d(x, output_size):
    """2-D adaptive max pooling with indices (and 1-D, which eager runs as 2-D)."""
    return _adaptive_max_pool(x, output_size, aten.max_pool2d_with_indices.default)


def adaptive_max_pool3d(x, output_size):
    """3-D adaptive max pooling with indices."""
    return _adaptive_max_pool(x, output_size, aten.max_pool3d_with_indices.default)


def _adaptive_max_pool(x, output_size, max_pool):
    """Adaptive max pooling and the flat index of each maximum in its input plane.

    Windows that tile the input evenly, and are small, are a plain max pool. Other
    windows are gathered at their widest, the positions past a window's end set to
    -inf. Like eager's kernel, a window takes its first maximum in row-major order, or
    its last NaN: a position past the window's end is never either, since it is -inf
    and comes after every position inside (a window holds at least one element)."""
    if not x.is_floating_point():
        return NotImplemented
    kernel = _even_kernel(x, output_size)
    if kernel is not None:
        return max_pool(x, kernel, kernel)
    windows = AdaptiveWindows(x, output_size)
    values = torch.where(windows.inside(), windows.values(), float("-inf"))
    positions = torch.arange(values.shape[-1], device=x.device)
    first_max = torch.where(values == values.amax(-1, keepdim=True), positions,
                            values.shape[-1]).amin(-1)
    last_nan = torch.where(values.isnan(), positions, -1).amax(-1)
    chosen = torch.where(last_nan >= 0, last_nan, first_max).unsqueeze(-1)
    indices = windows.flat_indices().expand(values.shape)
    return (torch.gather(values, -1, chosen).squeeze(-1),
            torch.gather(indices, -1, chosen).squeeze(-1))


def _even_kernel(x, output_size):
    """The pooling kernel (equal to its stride) when every output size divides its
    input size and the window is small enough to unroll, else None."""
    sizes = x.shape[-len(output_size):]
    if any(n % o for n, o in zip(sizes, output_size)):
        return None
    kernel = [n // o for n, o in zip(sizes, output_size)]
    return kernel if math.prod(kernel) <= UNROLLED_WINDOW_LIMIT else None


class AdaptiveWindows:
    """The windows of adaptive pooling: along a dimension of ``n`` inputs and ``o``
    outputs, window ``i`` covers ``[floor(i * n / o), ceil((i + 1) * n / o))``.

    Every window is read at the width of the widest, ``widths`` positions per dimension;
    the positions past a window's end are clamped into the input, and ``inside`` tells
    them apart. A window is at most ``ceil(n / o) + 1`` wide, so the gathered copy is a
    few times the larger of the input and the output."""

    def __init__(self, x, output_size):
        self.x = x
        self.rank = len(output_size)
        self.output_size = list(output_size)
        self.input_size = list(x.shape[-self.rank:])
        self.starts = [self._arange(o) * n // o for n, o in zip(self.input_size, output_size)]
        self.ends = [((self._arange(o) + 1) * n + o - 1) // o
                     for n, o in zip(self.input_size, output_size)]
        self.widths = [-(-n // o) + (1 if n % o else 0)
                       for n, o in zip(self.input_size, output_size)]

    def _arange(self, size):
        return torch.arange(size, device=self.x.device)

    def _positions(self, dim):
        """The input position each (window, offset) reads along ``dim``, unclamped."""
        return self.starts[dim].unsqueeze(1) + self._arange(self.widths[dim])

    def broadcast_shape(self, dim):
        """The shape that lines a per-window vector of ``dim`` up with the output."""
        return [self.output_size[dim] if d == dim else 1 for d in range(self.rank)]

    def _spread(self, dim, table):
        """A ``[outputs, widths]`` table of ``dim`` shaped to broadcast over the
        spatial layout ``[o_0, ..., o_r, w_0, ..., w_r]``."""
        shape = [1] * (2 * self.rank)
        shape[dim], shape[self.rank + dim] = self.output_size[dim], self.widths[dim]
        return table.reshape(shape)

    def values(self):
        """The input read at every window's positions: ``[..., o_0, ..., o_r, K]`` with
        the ``K`` positions of a window in row-major order."""
        x, lead = self.x, self.x.dim() - self.rank
        for dim in range(self.rank):
            axis = lead + 2 * dim
            positions = self._positions(dim).clamp(max=self.input_size[dim] - 1)
            x = x.index_select(axis, positions.flatten()).unflatten(
                axis, (self.output_size[dim], self.widths[dim]))
        order = [*range(lead), *(lead + 2 * d for d in range(self.rank)),
                 *(lead + 2 * d + 1 for d in range(self.rank))]
        return x.permute(order).flatten(lead + self.rank)

    def inside(self):
        """Whether each position of ``values`` lies inside its window."""
        inside = True
        for dim in range(self.rank):
            inside = self._spread(dim, self._positions(dim) < self.ends[dim].unsqueeze(1)) & inside
        return inside.flatten(self.rank)

    def flat_indices(self):
        """The row-major index into the input plane of each position of ``values``."""
        index = 0
        for dim, size in enumerate(self.input_size):
            index = index * size + self._spread(dim, self._positions(dim).clamp(max=size - 1))
        return index.flatten(self.rank)

    def lengths(self):
        """Each window's length along every dimension."""
        return [end - start for start, end in zip(self.starts, self.ends)]


TORCH_DECOMPOSITIONS = [aten.max_pool2d_with_indices_backward]

DECOMPOSITIONS = {
    aten._adaptive_avg_pool2d.default: adaptive_avg_pool2d,
    aten._adaptive_avg_pool3d.default: adaptive_avg_pool3d,
    aten.adaptive_max_pool2d.default: adaptive_max_pool2d,
    aten.adaptive_max_pool3d.default: adaptive_max_pool3d,
}
