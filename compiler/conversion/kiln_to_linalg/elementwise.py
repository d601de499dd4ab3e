"""Lowerings of elementwise kiln ops to all-parallel ``linalg.generic`` ops."""

from torch_mlir.dialects import arith

from ...dialect import kiln
from . import scalar
from .builders import elementwise
from .signedness import is_unsigned
from .registry import lowers


def _register_unary(name: str):
    @lowers(f"kiln.{name}")
    def lower_unary(op):
        unsigned = is_unsigned(op.operands[0])
        return elementwise([op.operands[0]], op.results[0].type,
                           lambda x: scalar.unary(name, x, unsigned))


def _register_binary(name: str):
    @lowers(f"kiln.{name}")
    def lower_binary(op):
        unsigned = is_unsigned(op.operands[0])
        return elementwise(list(op.operands), op.results[0].type,
                           lambda a, b: scalar.binary(name, a, b, unsigned))


for _name in kiln.UNARY_OPS:
    _register_unary(_name)
for _name in kiln.BINARY_OPS:
    _register_binary(_name)


@lowers("kiln.compare")
def lower_compare(op):
    predicate = op.attributes["predicate"].value
    unsigned = is_unsigned(op.operands[0])
    return elementwise(list(op.operands), op.results[0].type,
                       lambda a, b: scalar.compare(predicate, a, b, unsigned))


@lowers("kiln.select")
def lower_select(op):
    return elementwise(list(op.operands), op.results[0].type, arith.select)


@lowers("kiln.cast")
def lower_cast(op):
    target = op.results[0].type.element_type
    signs = {"unsigned_source": is_unsigned(op.operands[0]),
             "unsigned_target": is_unsigned(op.results[0])}
    return elementwise([op.operands[0]], op.results[0].type,
                       lambda x: scalar.cast(x, target, **signs))
