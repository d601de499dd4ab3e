"""Block sizes and warp counts of the generated Triton kernels, chosen from static shapes.

- Elementwise: one block of ``next_pow2(n)`` elements, at most 1024, per program.
- Reductions: ``BLOCK_K = next_pow2(K)``, at most 512, reduction elements per step, and
  as many output elements per program as keep the tile within 2048 elements.
- Reductions whose body ``tl.reduce`` cannot express: up to 256 output elements per
  program, one reduction step at a time.
- Contractions (``tl.dot``): ``BLOCK_M`` and ``BLOCK_N`` are ``next_pow2`` of M and N
  clamped to 16..64, ``BLOCK_K`` of K clamped to 16..32 (tl.dot needs 16 at least).
- Warps: one per 256 tile elements, 1 to 8 (4 for a 1024-element block), so each thread
  holds a handful of elements; dot tiles use 4 warps from 64x64 up, else 2.
"""

MAX_POINTWISE_BLOCK = 1024
MAX_REDUCTION_STEP = 512
MAX_TILE = 2048
MAX_SEQUENTIAL_BLOCK = 256
ELEMENTS_PER_WARP = 256
MAX_WARPS = 8


def next_power_of_2(n: int) -> int:
    """The smallest power of two that is at least ``n`` (1 for n <= 1)."""
    return 1 << max(n - 1, 0).bit_length()


def pointwise_block(elements: int) -> int:
    """Elements per program of an elementwise loop over ``elements``."""
    return min(next_power_of_2(elements), MAX_POINTWISE_BLOCK)


def reduction_blocks(outputs: int, reduced: int) -> tuple[int, int]:
    """(output elements per program, reduction elements per step) of a tiled reduction."""
    step = min(next_power_of_2(reduced), MAX_REDUCTION_STEP)
    return min(next_power_of_2(outputs), max(1, MAX_TILE // step)), step


def sequential_block(outputs: int) -> int:
    """Output elements per program of a reduction that steps through one element at a time."""
    return min(next_power_of_2(outputs), MAX_SEQUENTIAL_BLOCK)


def dot_blocks(m: int, n: int, k: int) -> tuple[int, int, int]:
    """(BLOCK_M, BLOCK_N, BLOCK_K) of a ``tl.dot`` contraction."""
    clamp = lambda size, high: min(max(next_power_of_2(size), 16), high)
    return clamp(m, 64), clamp(n, 64), clamp(k, 32)


def warps_for(tile_elements: int) -> int:
    """num_warps for a program whose largest tile holds ``tile_elements`` elements."""
    return min(MAX_WARPS, max(1, tile_elements // ELEMENTS_PER_WARP))


def dot_warps(block_m: int, block_n: int) -> int:
    """num_warps of a ``tl.dot`` program with a ``block_m`` x ``block_n`` accumulator."""
    return 4 if block_m * block_n >= 64 * 64 else 2
