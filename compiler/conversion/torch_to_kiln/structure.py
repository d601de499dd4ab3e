"""Converters for torch's scalar constants and lists, which become Python values, and for
scalar arithmetic on them, which is evaluated at compile time."""

import math
import operator

import numpy as np

from .registry import converts
from .rewriter import ConversionFailure
from .types import convert_vtensor


@converts("torch.constant.int", "torch.constant.float", "torch.constant.bool",
          "torch.constant.str", "torch.constant.device")
def convert_scalar_constant(rewriter, op):
    return [op.attributes["value"].value]


@converts("torch.constant.none")
def convert_none(rewriter, op):
    return [None]


@converts("torch.prim.ListConstruct")
def convert_list(rewriter, op):
    return [[rewriter.lookup(o) for o in op.operands]]


@converts("torch.prim.ListUnpack")
def convert_list_unpack(rewriter, op):
    return list(rewriter.lookup(op.operands[0]))


@converts("torch.vtensor.literal")
def convert_tensor_literal(rewriter, op):
    type_ = convert_vtensor(op.results[0].type)
    array = np.array(op.attributes["value"])
    if array.shape != tuple(type_.shape):
        array = np.broadcast_to(array, tuple(type_.shape))
    return [rewriter.dense(array, type_.element_type)]


def _overloads(name: str, overloads: str, fn) -> dict:
    return {f"torch.aten.{name}.{overload}": fn for overload in overloads.split()}


# Scalar arithmetic, evaluated in Python: torch-mlir emits these ops on compile-time
# constants, e.g. ``aten.Int.bool`` for the fill value of ``new_ones((), dtype=torch.bool)``.
SCALAR_OPS = {
    **_overloads("add", "int float float_int", operator.add),
    **_overloads("sub", "int float", operator.sub),
    **_overloads("mul", "int float float_int int_float", operator.mul),
    **_overloads("div", "int float", operator.truediv),
    **_overloads("floordiv", "int", operator.floordiv),
    **_overloads("remainder", "int", operator.mod),
    **_overloads("neg", "int float", operator.neg),
    **_overloads("sqrt", "int", lambda a: math.sqrt(a) if a >= 0 else math.nan),
    **_overloads("ceil", "float", math.ceil),
    **_overloads("Int", "bool float Scalar", int),
    **_overloads("Float", "Scalar", float),
    **_overloads("Bool", "int float", bool),
    **_overloads("__and__", "bool", operator.and_),
    **_overloads("__or__", "bool", operator.or_),
    **_overloads("eq", "int float bool", operator.eq),
    **_overloads("ne", "int float_int bool", operator.ne),
    **_overloads("lt", "int float float_int", operator.lt),
    **_overloads("le", "int", operator.le),
    **_overloads("gt", "int float float_int", operator.gt),
    **_overloads("ge", "int float float_int", operator.ge),
    "torch.prim.abs.Scalar": abs,
    "torch.prim.max.int": max,
    "torch.prim.min.int": min,
}


@converts(*SCALAR_OPS)
def convert_scalar_op(rewriter, op):
    """A scalar op on constants folds to its Python value; on a runtime value it fails."""
    operands = [rewriter.constant(o) for o in op.operands]
    try:
        return [SCALAR_OPS[op.name](*operands)]
    except ZeroDivisionError:
        raise ConversionFailure(f"division by zero in {operands}") from None
