"""The ``kiln-reuse-dead-inputs`` pass: an elementwise op writes over an input that dies there."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ..ir.walk import collect_ops, named
from ..ir.linalg_queries import reduction_dims
from ..passes.registry import register_pass


@register_pass
@dataclass
class KilnReuseDeadInputs:
    """Let an elementwise linalg.generic write into an input that it is the last to read.

    Inside a kernel, an all-parallel ``linalg.generic`` whose destination is a fresh
    ``tensor.empty`` takes as destination instead an input of the same type that it
    reads with the identity map, when that input is the result of a linalg op in the
    same block (not an argument, nor a view of one) and has no other use.
    Bufferization then updates that buffer in place, so a matmul epilogue (bias,
    activation, residual) needs no second buffer the size of the matmul's result.

        %m = linalg.generic ... -> tensor<4x8xf32>          // e.g. a matmul
        %e = tensor.empty() : tensor<4x8xf32>
        %r = linalg.generic {all parallel} ins(%m, %b) outs(%e) ...
      becomes
        %r = linalg.generic {all parallel} ins(%m, %b) outs(%m) ...
    """

    argument: ClassVar[str] = "kiln-reuse-dead-inputs"

    def run(self, module: ir.Operation) -> None:
        candidates = collect_ops(module, named("linalg.generic"))
        with module.context:
            self._reuse(candidates)

    @staticmethod
    def _reuse(candidates: list) -> None:
        for generic in candidates:
            reusable = _dead_identity_input(generic)
            if reusable is not None:
                generic.operands[len(generic.operands) - 1] = reusable


def _dead_identity_input(generic: ir.Operation) -> ir.Value | None:
    """The input ``generic`` may overwrite, or ``None``."""
    operands = list(generic.operands)
    if len(generic.results) != 1 or reduction_dims(generic):
        return None
    destination = operands[-1]
    if not _is_fresh_empty(destination) or _payload_reads_destination(generic):
        return None
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    if not maps[-1].is_permutation or maps[-1] != ir.AffineMap.get_identity(maps[-1].n_dims):
        return None
    for value, indexing in zip(operands[:-1], maps[:-1]):
        if (value.type == destination.type and indexing == maps[-1] and _computed_here(value, generic)
                and _only_use_is(value, generic)):
            return value
    return None


def _computed_here(value: ir.Value, generic: ir.Operation) -> bool:
    """Whether ``value`` is a fresh buffer: a linalg result of ``generic``'s block.

    Views (reshapes, slices) of arguments are not: writing there would change the
    caller's tensor.
    """
    producer = value.owner
    return (not isinstance(producer, ir.Block) and producer.operation.name.startswith("linalg.")
            and producer.operation.block == generic.block)


def _is_fresh_empty(value: ir.Value) -> bool:
    return not isinstance(value.owner, ir.Block) and value.owner.operation.name == "tensor.empty"


def _payload_reads_destination(generic: ir.Operation) -> bool:
    body = generic.regions[0].blocks[0]
    return len(list(body.arguments[len(body.arguments) - 1].uses)) > 0


def _only_use_is(value: ir.Value, user: ir.Operation) -> bool:
    return all(use.owner.operation == user.operation for use in value.uses)
