"""Converters for torch's scalar constants and lists, which become Python values."""

import numpy as np


from .registry import converts
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


