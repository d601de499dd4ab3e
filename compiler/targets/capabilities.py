"""What a target's kernels can hold, and the question fusion and the driver ask of it."""

from dataclasses import dataclass

from torch_mlir import ir

from kiln import targets

# Ops every kernel holds whatever the target: a kernel's terminator.
STRUCTURAL_OPS = frozenset({"kiln.yield"})


@dataclass(frozen=True)
class Capabilities:
    """What a target's kernels can hold: kiln op names (None: every op) and element types.

    A kernel holding anything else runs on the CPU instead when ``partitions_to_cpu``
    (the target's memory is host memory, so CPU kernels can read and write its arena);
    otherwise such a program is refused."""

    ops: frozenset[str] | None
    element_types: frozenset[str]
    partitions_to_cpu: bool = False

    def refusal(self, op: ir.OpView) -> str | None:
        """Why a kernel of this target cannot hold ``op`` ("runs no kiln.conv2d"), or None."""
        name = op.operation.name
        if self.ops is not None and name not in self.ops | STRUCTURAL_OPS:
            return f"runs no {name}"
        types = {str(ir.ShapedType(v.type).element_type) for v in [*op.operands, *op.results]
                 if isinstance(v.type, ir.ShapedType)}
        unsupported = sorted(types - self.element_types)
        return f"has no {', '.join(unsupported)} tensors" if unsupported else None


def capabilities_of(target: str) -> Capabilities:
    """The capabilities the registered target ``target`` declares (its compiler class's)."""
    return targets.load_half(targets.spec(target).compiler).capabilities
