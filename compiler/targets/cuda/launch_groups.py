"""Which loop nests of a kernel share a Triton launch.

- **Contraction group**: an optional fill of the output, a contraction (``out += a * b``
  with matmul-like maps: batch dimensions, and several M, N or K dimensions, allowed;
  all operands f32, f16 or bf16, or f16/bf16 factors widened to f32 in the body
  (``arith.extf``) with an f32 output),
  then the elementwise nests right after it that read its output at the same element
  (bias, GELU): they become the ``tl.dot`` kernel's epilogue. A buffer written in the group
  must be accessed at one linear address form throughout (so a tile never needs another
  tile's results), and the contraction's operands and the buffers an epilogue gathers
  from (``memref.load``) must not be written.
- **Row group**: a whole run of nests with at least one reduction, whose first loop
  dimension is parallel with the same size R >= 2 in every nest (softmax, layer_norm):
  one program per row runs them in order. Every written buffer must keep row ``r`` in
  elements ``[r*S, (r+1)*S)`` in every access (a linear form ``S*d0 + f`` with
  ``0 <= f < S``), so rows never share written memory, and no nest may gather from a
  written buffer.
- Otherwise each nest is a launch of its own.
"""

import math
from dataclasses import dataclass

from .access_forms import LinearForm, linear_form, substituted
from .loop_nests import Access, LoopNest

DOT_TYPES = frozenset({"f32", "f16", "bf16"})
WIDENED_DOT_TYPES = frozenset({"f16", "bf16"})  # products exact in f32, which accumulates
MIN_FUSED_ROWS = 2


@dataclass(frozen=True)
class Contraction:
    """The roles of a contraction's loop dimensions: ``m`` (only in the first operand and
    the output), ``n`` (only in the second and the output) and ``k`` (reduced) may each
    be several dimensions, flattened into one tile axis; ``m`` and ``n`` in the output's
    order."""

    batch: tuple[int, ...]
    m: tuple[int, ...]
    n: tuple[int, ...]
    k: tuple[int, ...]


@dataclass(frozen=True)
class Epilogue:
    """An elementwise nest fused after a contraction; ``mapping`` renames its loop
    dimensions to the contraction's."""

    loop: LoopNest
    mapping: dict[int, int]


@dataclass(frozen=True)
class ContractionGroup:
    """A ``tl.dot`` launch: an optional fill constant, the contraction, its epilogues."""

    fill: LoopNest | None
    contraction: LoopNest
    dims: Contraction
    epilogues: tuple[Epilogue, ...]


@dataclass(frozen=True)
class RowGroup:
    """Nests run one row per program; dimension 0 of each is the row."""

    loops: tuple[LoopNest, ...]
    rows: int


@dataclass(frozen=True)
class SingleLoop:
    """A nest launched on its own."""

    loop: LoopNest


Group = ContractionGroup | RowGroup | SingleLoop


def plan_groups(loops: tuple[LoopNest, ...]) -> list[Group]:
    """The launches of a kernel's nests, in program order."""
    groups: list[Group] = []
    pending: list[LoopNest] = []
    i = 0
    while i < len(loops):
        group = contraction_group(loops, i)
        if group is None:
            pending.append(loops[i])
            i += 1
            continue
        groups += _rows_or_singles(pending)
        pending = []
        groups.append(group)
        i += (group.fill is not None) + 1 + len(group.epilogues)
    return groups + _rows_or_singles(pending)


def _rows_or_singles(loops: list[LoopNest]) -> list[Group]:
    if row_fusable(loops):
        return [RowGroup(tuple(loops), loops[0].sizes[0])]
    return [SingleLoop(loop) for loop in loops]


def row_fusable(loops: list[LoopNest]) -> bool:
    """Whether ``loops`` can run as one program per row of their first dimension."""
    if len(loops) < 2 or not any(loop.reduction_dims for loop in loops):
        return False
    rows = loops[0].sizes[0] if loops[0].sizes else 0
    if rows < MIN_FUSED_ROWS or any(not loop.sizes or loop.iterators[0] != "parallel"
                                    or loop.sizes[0] != rows for loop in loops):
        return False
    written = {access.argument for loop in loops for access in loop.outputs}
    if any(buffer.argument in written for loop in loops for buffer in loop.loaded_buffers):
        return False
    row_sizes: dict[int, int] = {}
    for loop in loops:
        for access in loop.inputs + loop.outputs:
            if access.argument not in written:
                continue
            row_size = _row_size(access, loop.sizes)
            if row_size is None or row_sizes.setdefault(access.argument, row_size) != row_size:
                return False
    return True


def _row_size(access: Access, sizes: tuple[int, ...]) -> int | None:
    """S when ``access`` keeps row ``d0`` within ``[d0*S, (d0+1)*S)``, else None."""
    form = linear_form(access, len(sizes))
    if form is None or form[1][0] <= 0:
        return None
    const, coefficients = form
    low = const + sum(min(0, c * (s - 1)) for c, s in zip(coefficients[1:], sizes[1:]))
    high = const + sum(max(0, c * (s - 1)) for c, s in zip(coefficients[1:], sizes[1:]))
    return coefficients[0] if 0 <= low and high < coefficients[0] else None


def contraction_dims(loop: LoopNest) -> Contraction | None:
    """The dimension roles of ``loop`` if it is a ``tl.dot``-able contraction."""
    if len(loop.inputs) != 2 or len(loop.outputs) != 1 or not loop.reduction_dims:
        return None
    accesses = loop.inputs + loop.outputs
    factor_types = {a.element_type for a in loop.inputs}
    widened = _widened_multiply_accumulate(loop)
    if widened is None or len(factor_types) != 1:
        return None
    (factor_type,) = factor_types
    if widened and (factor_type not in WIDENED_DOT_TYPES or loop.outputs[0].element_type != "f32"):
        return None
    if not widened and (factor_type not in DOT_TYPES
                        or loop.outputs[0].element_type != factor_type):
        return None
    dims = [_pure_dims(a) for a in accesses]
    if None in dims:
        return None
    a, b, out = (set(d) for d in dims)
    k = set(loop.reduction_dims)
    batch = (a & b) - k
    m = tuple(d for d in dims[2] if d in a - b)
    n = tuple(d for d in dims[2] if d in b - a)
    if not k <= a & b or k & out or not m or not n or out != batch | set(m) | set(n):
        return None
    return Contraction(tuple(sorted(batch)), m, n, loop.reduction_dims)


def _widened_multiply_accumulate(loop: LoopNest) -> bool | None:
    """Whether the body is ``out + extf(a) * extf(b)`` (True) or ``out + a * b`` (False);
    None for any other body."""
    ops = loop.body.ops
    if not ops or loop.body.yields != (("value", ops[-1].results[0]),):
        return None
    *widenings, multiply, add = ops
    factors = {("arg", 0), ("arg", 1)}
    if widenings:
        if len(widenings) != 2 or {op.operands[0] for op in widenings} != factors \
                or any(op.name != "arith.extf" or op.result_types != ("f32",) for op in widenings):
            return None
        factors = {("value", op.results[0]) for op in widenings}
    if (multiply.name == "arith.mulf" and len(multiply.operands) == 2
            and set(multiply.operands) == factors and add.name == "arith.addf"
            and set(add.operands) == {("arg", 2), ("value", multiply.results[0])}):
        return bool(widenings)
    return None


def _pure_dims(access: Access) -> tuple[int, ...] | None:
    """The dimensions of an access whose every index is one distinct loop dimension."""
    if any(index[0] != "dim" for index in access.indices):
        return None
    dims = tuple(index[1] for index in access.indices)
    return dims if len(set(dims)) == len(dims) else None


def contraction_group(loops: tuple[LoopNest, ...], start: int) -> ContractionGroup | None:
    """The contraction group beginning at ``loops[start]`` (a fill or the contraction)."""
    if _is_constant_fill(loops[start]):
        return _group_at(loops, start + 1, loops[start]) if start + 1 < len(loops) else None
    return _group_at(loops, start, None)


def _group_at(loops: tuple[LoopNest, ...], position: int,
              fill: LoopNest | None) -> ContractionGroup | None:
    contraction = loops[position]
    dims = contraction_dims(contraction)
    if dims is None:
        return None
    out = contraction.outputs[0]
    forms: dict[int, LinearForm] = {out.argument: linear_form(out, len(contraction.sizes))}
    if fill is not None and not _aligned(fill, contraction, forms):
        return None
    read_only = {a.argument for a in contraction.inputs}
    epilogues = []
    for loop in loops[position + 1:]:
        epilogue = _epilogue(loop, contraction, forms, read_only)
        if epilogue is None:
            break
        epilogues.append(epilogue)
    return ContractionGroup(fill, contraction, dims, tuple(epilogues))


def _is_constant_fill(loop: LoopNest) -> bool:
    return (not loop.inputs and len(loop.outputs) == 1 and not loop.body.ops
            and not loop.reduction_dims and loop.body.yields[0][0] == "const")


def _mapping_onto(loop: LoopNest, access: Access, contraction: LoopNest) -> dict[int, int] | None:
    """Rename ``loop``'s dims to the contraction's so that ``access`` (to the contraction's
    output) lines up with the contraction's output indices."""
    dims, target = _pure_dims(access), _pure_dims(contraction.outputs[0])
    if dims is None or len(dims) != len(target) or len(loop.sizes) != len(dims) \
            or loop.reduction_dims:
        return None
    mapping = dict(zip(dims, target))
    if any(loop.sizes[d] != contraction.sizes[mapping[d]] for d in mapping):
        return None
    return mapping


def _aligned(fill: LoopNest, contraction: LoopNest, forms: dict[int, LinearForm]) -> bool:
    access = fill.outputs[0]
    if access.argument != contraction.outputs[0].argument:
        return False
    mapping = _mapping_onto(fill, access, contraction)
    return mapping is not None and _form_under(access, fill, mapping, contraction) \
        == forms[access.argument]


def _form_under(access: Access, loop: LoopNest, mapping: dict[int, int],
                contraction: LoopNest) -> LinearForm | None:
    form = linear_form(access, len(loop.sizes))
    return None if form is None else substituted(form, mapping, len(contraction.sizes))


def _epilogue(loop: LoopNest, contraction: LoopNest, forms: dict[int, LinearForm],
              read_only: set[int]) -> Epilogue | None:
    out = contraction.outputs[0].argument
    reads = [a for a in loop.inputs if a.argument == out]
    mapping = _mapping_onto(loop, reads[0], contraction) if reads else None
    if mapping is None or math.prod(loop.sizes) == 0:
        return None
    written = forms.keys() | {a.argument for a in loop.outputs}
    gathered = {buffer.argument for buffer in loop.loaded_buffers}
    if written & (read_only | gathered):
        return None
    new_forms = dict(forms)
    for access in loop.inputs + loop.outputs:
        if access.argument in written:
            form = _form_under(access, loop, mapping, contraction)
            if form is None or new_forms.setdefault(access.argument, form) != form:
                return None
    forms.update(new_forms)
    read_only |= gathered
    return Epilogue(loop, mapping)
