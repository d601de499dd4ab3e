"""Adaptive and fractional pooling, and the gradient of max pooling."""

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
    return _window_max(values, windows.flat_indices().expand(values.shape))


def _window_max(values, indices):
    """The maximum of each window (the last dimension of ``values``) and the index
    ``indices`` holds for it, picked as eager's max-pooling kernels pick: the window's
    last NaN if it has one, else its first maximum in row-major order."""
    positions = torch.arange(values.shape[-1], device=values.device)
    first_max = torch.where(values == values.amax(-1, keepdim=True), positions,
                            values.shape[-1]).amin(-1)
    last_nan = torch.where(values.isnan(), positions, -1).amax(-1)
    chosen = torch.where(last_nan >= 0, last_nan, first_max).unsqueeze(-1)
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


def fractional_max_pool2d(x, kernel_size, output_size, random_samples):
    """2-D fractional max pooling with indices. Eager's kernel reads a plane's sample 0
    for the width and sample 1 for the height."""
    return _fractional_max_pool(x, kernel_size, output_size, random_samples.flip(-1))


def fractional_max_pool3d(x, kernel_size, output_size, random_samples):
    """3-D fractional max pooling with indices; samples 0, 1, 2 place the windows along
    time, height and width."""
    return _fractional_max_pool(x, kernel_size, output_size, random_samples)


def _fractional_max_pool(x, kernel_size, output_size, samples):
    """Fractional max pooling: each (batch, channel) plane places its windows with its
    own samples, ``samples[b, c, d]`` for spatial dimension ``d`` (see
    ``_fractional_window_starts``). Every window is gathered by its flat indices into
    the input plane and reduced as eager's kernel does (``_window_max``)."""
    rank = len(output_size)
    if (not x.is_floating_point() or samples.dtype != x.dtype
            or x.dim() not in (rank + 1, rank + 2)):
        return NotImplemented
    if x.dim() == rank + 1:
        values, indices = _fractional_max_pool(x.unsqueeze(0), kernel_size, output_size,
                                               samples[:1])
        return values.squeeze(0), indices.squeeze(0)
    batch, channels, input_size = x.shape[0], x.shape[1], x.shape[2:]
    flat = 0
    for dim, (n, k, o) in enumerate(zip(input_size, kernel_size, output_size)):
        starts = _fractional_window_starts(samples[:batch, :, dim], n, k, o)
        positions = starts.unsqueeze(-1) + torch.arange(k, device=x.device)
        shape = [batch, channels] + [1] * (2 * rank)
        shape[2 + dim], shape[2 + rank + dim] = o, k
        flat = flat * n + positions.reshape(shape)
    flat = flat.flatten(2 + rank)
    values = torch.gather(x.flatten(2), 2, flat.flatten(2)).reshape(flat.shape)
    return _window_max(values, flat)


def _fractional_window_starts(sample, input_size, kernel_size, output_size):
    """The first input position of each window along one dimension, ``[..., outputs]``
    for a ``[...]`` tensor of samples: ``int((i + u) * alpha) - int(u * alpha)`` with
    ``alpha = (inputs - kernel) / (outputs - 1)`` for all but the last window, which
    ends at the input's end. Like eager's kernel, the arithmetic rounds in the input's
    dtype at every step. Only samples outside [0, 1), on which eager's kernel fails an
    assertion, place a window past the input: the starts are clamped so that no read
    leaves it."""
    last = torch.full((*sample.shape, 1), input_size - kernel_size, device=sample.device)
    if output_size == 1:
        return last
    alpha = torch.full((), input_size - kernel_size, dtype=sample.dtype,
                       device=sample.device) / (output_size - 1)
    steps = torch.arange(output_size - 1, dtype=sample.dtype, device=sample.device)
    u = sample.unsqueeze(-1)
    starts = ((steps + u) * alpha).to(torch.int64) - (u * alpha).to(torch.int64)
    return torch.cat([starts.clamp(0, input_size - kernel_size), last], -1)


TORCH_DECOMPOSITIONS = [aten.max_pool2d_with_indices_backward]

DECOMPOSITIONS = {
    aten._adaptive_avg_pool2d.default: adaptive_avg_pool2d,
    aten._adaptive_avg_pool3d.default: adaptive_avg_pool3d,
    aten.adaptive_max_pool2d.default: adaptive_max_pool2d,
    aten.adaptive_max_pool3d.default: adaptive_max_pool3d,
    aten.fractional_max_pool2d.default: fractional_max_pool2d,
    aten.fractional_max_pool3d.default: fractional_max_pool3d,
}
