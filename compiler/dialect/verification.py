"""Shape and dtype checks shared by the ``kiln`` op verifiers.

Each check returns an error message, or ``None`` when the op is well formed.
"""

from __future__ import annotations

from torch_mlir import ir


def ranked(value_or_type) -> ir.RankedTensorType | None:
    type_ = value_or_type if isinstance(value_or_type, ir.Type) else value_or_type.type
    return type_ if isinstance(type_, ir.RankedTensorType) else None


def shape_of(value) -> list[int]:
    return list(ranked(value).shape)


def element_type_of(value) -> ir.Type:
    return ranked(value).element_type


def is_float(type_: ir.Type) -> bool:
    return isinstance(type_, ir.FloatType)


def is_bool(type_: ir.Type) -> bool:
    return isinstance(type_, ir.IntegerType) and type_.width == 1


def require_ranked(values) -> str | None:
    for value in values:
        if ranked(value) is None:
            return f"expects ranked tensors, got {value.type}"
    return None


def require_same_shape(values) -> str | None:
    shapes = [shape_of(v) for v in values]
    if any(s != shapes[0] for s in shapes):
        listed = ", ".join(str(v.type) for v in values)
        return f"expects operands and result of one shape, got {listed}"
    return None


def require_same_element_type(values) -> str | None:
    types = [element_type_of(v) for v in values]
    if any(t != types[0] for t in types):
        listed = ", ".join(str(t) for t in types)
        return f"expects one element type, got {listed}"
    return None


def require_permutation(perm: list[int], rank: int) -> str | None:
    if sorted(perm) != list(range(rank)):
        return f"permutation {perm} is not a permutation of 0..{rank - 1}"
    return None


def require_dims_in_range(dims: list[int], rank: int) -> str | None:
    if any(d < 0 or d >= rank for d in dims) or len(set(dims)) != len(dims):
        return f"dimensions {dims} must be distinct and in [0, {rank})"
    return None


def element_count(shape: list[int]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count
