"""How fusion sees each kiln op: what it costs and how it may combine with others."""

import enum

from torch_mlir import ir

from ..dialect.kiln import BINARY_OPS, REDUCE_OPS, UNARY_OPS


class OpClass(enum.Enum):
    """The fusion class of a kiln op, in the spirit of TVM's and Inductor's op patterns."""

    VIEW = "view"  # reindexes its input; folded into the indexing of its consumers
    LITERAL = "literal"  # constants and iota: recomputed wherever they are read
    ELEMENTWISE = "elementwise"
    INJECTIVE = "injective"  # moves data without arithmetic: concat, pad, gather
    REDUCTION = "reduction"
    CONTRACTION = "contraction"  # matmul, batch_matmul, conv2d
    OPAQUE = "opaque"  # anything else: never fused
    HOST = "host"  # kiln.fallback: run by the host through torch, never in a kernel


FREE_CLASSES = frozenset({OpClass.VIEW, OpClass.LITERAL})  # cloned, never launched alone

_CLASSES = {
    **{f"kiln.{name}": OpClass.ELEMENTWISE for name in (*UNARY_OPS, *BINARY_OPS)},
    **{f"kiln.reduce_{kind}": OpClass.REDUCTION for kind in REDUCE_OPS},
    "kiln.compare": OpClass.ELEMENTWISE,
    "kiln.select": OpClass.ELEMENTWISE,
    "kiln.cast": OpClass.ELEMENTWISE,
    "kiln.broadcast": OpClass.VIEW,
    "kiln.reshape": OpClass.VIEW,
    "kiln.transpose": OpClass.VIEW,
    "kiln.slice": OpClass.VIEW,
    "kiln.constant": OpClass.LITERAL,
    "kiln.iota": OpClass.LITERAL,
    "kiln.concat": OpClass.INJECTIVE,
    "kiln.pad": OpClass.INJECTIVE,
    "kiln.gather": OpClass.INJECTIVE,
    "kiln.matmul": OpClass.CONTRACTION,
    "kiln.batch_matmul": OpClass.CONTRACTION,
    "kiln.conv2d": OpClass.CONTRACTION,
    "kiln.fallback": OpClass.HOST,
}


def classify(op: ir.OpView) -> OpClass:
    """The fusion class of ``op``."""
    return _CLASSES.get(op.operation.name, OpClass.OPAQUE)
