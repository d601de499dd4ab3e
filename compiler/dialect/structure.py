"""The structure a kiln op's definition promises: its number of operands, results and
regions, and for slotted ops (see :mod:`.slots`) well-formed segment sizes.

IRDL checks these too, but only after the op's Python verifier has run, whose accessors
(``self.input``, ``self.regions[0]``) would raise on an op without them; so the
verifier checks them first. Each check returns an error message, or ``None``.
"""

from torch_mlir import ir
from torch_mlir.dialects.ext import Variadicity, partition_fields


def structure_problem(op) -> str | None:
    """What is wrong with ``op``'s operand, result or region counts, if anything."""
    operands, _, results, regions = partition_fields(type(op)._fields)
    if len(op.regions) != len(regions):
        return f"expects {len(regions)} region(s), got {len(op.regions)}"
    return (_values_problem("operand", list(op.operands), operands, op.attributes)
            or _values_problem("result", list(op.results), results, op.attributes))


def _values_problem(kind: str, values: list, definitions: list, attributes) -> str | None:
    if all(d.variadicity == Variadicity.single for d in definitions):
        if len(values) != len(definitions):
            return f"expects {len(definitions)} {kind}(s), got {len(values)}"
        return None
    name = f"{kind}SegmentSizes"
    sizes = attributes[name] if name in attributes else None
    if not isinstance(sizes, ir.DenseI32ArrayAttr) or len(sizes) != len(definitions):
        return f"expects '{name}' to be an array<i32> of {len(definitions)} sizes, got {sizes}"
    for size, definition in zip(sizes, definitions):
        allowed = {Variadicity.single: size == 1, Variadicity.optional: size in (0, 1),
                   Variadicity.variadic: size >= 0}[definition.variadicity]
        if not allowed:
            return f"'{name}' gives {kind} '{definition.name}' {size} values"
    if sum(sizes) != len(values):
        return f"'{name}' adds up to {sum(sizes)} {kind}s, the op has {len(values)}"
    return None
