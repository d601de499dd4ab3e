"""The ``kiln`` dialect: about forty tensor primitives, and elementwise math and special
functions, all with value semantics.

Defined with MLIR's Python-defined dialects (IRDL underneath), so ops print in the
generic form, e.g. ``%0 = "kiln.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>``.
The set is small and orthogonal, like PrimTorch's prims: implicit broadcasting, scalar
operands and dtype promotion are made explicit by ``convert-torch-to-kiln`` with
``kiln.broadcast``, ``kiln.constant`` and ``kiln.cast``. Signless integers are signed
(``i8`` is int8) and ``ui8`` is uint8: ops on ``ui8`` divide, compare, widen and shift
as unsigned. Every op verifies its shapes and
element types; a failed check is reported at the op's location.
"""


import types
from typing import Any

from torch_mlir import ir
from torch_mlir.dialects.ext import Dialect, Operand, Pure, Result

from . import verification as v
from .slots import create_with_slots, define_op, slot_fields
from .structure import structure_problem


class Kiln(Dialect, name="kiln"):
    """The dialect object; call ``Kiln.load()`` once in every new ``Context``."""


class KilnOp(Kiln.Operation):
    """Base of every kiln op: runs ``check()`` and reports its message as an op error."""

    def verify_invariants(self) -> bool:
        try:
            message = (structure_problem(self)
                       or v.require_ranked(list(self.operands) + list(self.results))
                       or self.check())
        except BadAttribute as error:  # missing, or of the wrong kind
            message = str(error)
        except Exception as error:  # a bug in a check: a located diagnostic, not a traceback
            message = f"internal error in its verifier: {type(error).__name__}: {error}"
        if message:
            self.location.emit_error(f"'{self.OPERATION_NAME}' op {message}")
            return False
        return True

    def check(self) -> str | None:
        return None

    def _attribute(self, name: str, kind: type, described: str):
        if name not in self.attributes:
            raise BadAttribute(f"requires attribute '{name}' ({described})")
        attribute = self.attributes[name]
        if not isinstance(attribute, kind):
            raise BadAttribute(f"expects attribute '{name}' to be {described}, got {attribute}")
        return attribute

    def int_list(self, name: str) -> list[int]:
        return list(self._attribute(name, ir.DenseI64ArrayAttr, "an array<i64>"))

    def int_attr(self, name: str) -> int:
        return self._attribute(name, ir.IntegerAttr, "an integer").value

    def str_attr(self, name: str) -> str:
        return self._attribute(name, ir.StringAttr, "a string").value


class BadAttribute(Exception):
    """An op's attribute is missing or of the wrong kind; the verifier reports it."""


# --- elementwise --------------------------------------------------------------------


class UnaryOp(KilnOp):
    input: Operand[Any]
    result: Result[Any]
    float_only = True

    def check(self):
        values = [self.input, self.result]
        message = v.require_same_shape(values) or v.require_same_element_type(values)
        if message is None and self.float_only and not v.is_float(v.element_type_of(self.input)):
            message = f"expects a floating-point operand, got {self.input.type}"
        return message


class BinaryOp(KilnOp):
    """Elementwise arithmetic on operands of one type. On i1, ``add`` and ``maximum`` are
    logical or, ``mul`` and ``minimum`` logical and, as in torch."""

    lhs: Operand[Any]
    rhs: Operand[Any]
    result: Result[Any]
    bool_allowed = True
    float_only = False

    def check(self):
        values = [self.lhs, self.rhs, self.result]
        message = v.require_same_shape(values) or v.require_same_element_type(values)
        if message is None and not self.bool_allowed and v.is_bool(v.element_type_of(self.lhs)):
            message = f"is not defined on i1 operands, got {self.lhs.type}"
        if message is None and self.float_only and not v.is_float(v.element_type_of(self.lhs)):
            message = f"expects floating-point operands, got {self.lhs.type}"
        return message


class BitwiseBinaryOp(BinaryOp):
    """Bitwise ``and``, ``or``, ``xor`` on integers: logical on i1. ``shift_left`` and
    ``shift_right`` (not on i1) shift by ``rhs`` as eager does: by a negative amount or
    the width or more, to 0 (a signed right shift, to the sign in every bit); a right
    shift of ``ui8`` brings in zeros."""

    def check(self):
        message = super().check()
        if message is None and not isinstance(v.element_type_of(self.lhs), ir.IntegerType):
            message = f"expects integer operands, got {self.lhs.type}"
        return message


def _define(base: type, name: str, **namespace) -> type:
    class_name = "".join(part.capitalize() for part in name.split("_")) + "Op"
    return types.new_class(
        class_name,
        (base,),
        {"name": name, "traits": [Pure]},
        lambda ns: ns.update(namespace, __annotations__={}),
    )


FLOAT_UNARY_OPS = (
    "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "erf", "sin", "cos", "floor", "ceil",
    "reciprocal", "tan", "acos", "asin", "atan", "sinh", "cosh", "acosh", "asinh", "atanh",
    "erfc", "exp2", "log2", "log10", "erfcx", "erfinv", "ndtri", "log_ndtr", "lgamma",
    "digamma", "trigamma", "i0", "i0e", "i1", "i1e", "k0", "k0e", "k1", "k1e", "bessel_j0",
    "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0", "airy_ai",
    # trigamma is polygamma(1, x); k0e and k1e are e**x k0(x) and e**x k1(x).
    # float bit fields: frexp's mantissa in [0.5, 1) and exponent (as a float)
    "frexp_mantissa", "frexp_exponent",
)
UNARY_OPS = {name: _define(UnaryOp, name) for name in FLOAT_UNARY_OPS}
UNARY_OPS["neg"] = _define(UnaryOp, "neg", float_only=False)
UNARY_OPS["abs"] = _define(UnaryOp, "abs", float_only=False)
UNARY_OPS["not"] = _define(UnaryOp, "not", float_only=False)

BINARY_OPS = {name: _define(BinaryOp, name) for name in ("add", "mul", "maximum", "minimum")}
BINARY_OPS.update({
    name: _define(BinaryOp, name, bool_allowed=False)
    for name in ("sub", "div", "pow", "remainder")
})
BINARY_OPS.update({name: _define(BitwiseBinaryOp, name) for name in ("and", "or", "xor")})
BINARY_OPS.update({name: _define(BitwiseBinaryOp, name, bool_allowed=False)
                   for name in ("shift_left", "shift_right")})
# fmax and fmin return the operand that is not NaN; nextafter steps lhs one ulp toward rhs;
# ldexp is lhs * 2**rhs for an integer-valued rhs; zeta is the Hurwitz zeta of (s, q);
# igamma and igammac are the regularized incomplete gamma functions P(a, x) and Q(a, x);
# the orthogonal polynomials take (x, n) with the degree n as a float.
FLOAT_BINARY_OPS = (
    "atan2", "copysign", "hypot", "fmax", "fmin", "nextafter", "ldexp", "zeta", "igamma",
    "igammac", "chebyshev_t",
    "chebyshev_u", "chebyshev_v", "chebyshev_w", "shifted_chebyshev_t", "shifted_chebyshev_u",
    "shifted_chebyshev_v", "shifted_chebyshev_w", "hermite_h", "hermite_he", "laguerre_l",
    "legendre_p",
)
BINARY_OPS.update({name: _define(BinaryOp, name, float_only=True) for name in FLOAT_BINARY_OPS})

COMPARE_PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")


class CompareOp(KilnOp, name="compare", traits=[Pure]):
    """Elementwise comparison; ``predicate`` is one of eq, ne, lt, le, gt, ge."""

    lhs: Operand[Any]
    rhs: Operand[Any]
    predicate: Any
    result: Result[Any]

    def check(self):
        message = v.require_same_shape([self.lhs, self.rhs, self.result])
        message = message or v.require_same_element_type([self.lhs, self.rhs])
        if message is None and not v.is_bool(v.element_type_of(self.result)):
            message = f"result must be a tensor of i1, got {self.result.type}"
        if message is None and self.str_attr("predicate") not in COMPARE_PREDICATES:
            message = f"unknown predicate '{self.str_attr('predicate')}'"
        return message


class SelectOp(KilnOp, name="select", traits=[Pure]):
    """``condition ? true_value : false_value``, elementwise."""

    condition: Operand[Any]
    true_value: Operand[Any]
    false_value: Operand[Any]
    result: Result[Any]

    def check(self):
        values = [self.condition, self.true_value, self.false_value, self.result]
        message = v.require_same_shape(values)
        message = message or v.require_same_element_type(values[1:])
        if message is None and not v.is_bool(v.element_type_of(self.condition)):
            message = f"condition must be a tensor of i1, got {self.condition.type}"
        return message


class CastOp(KilnOp, name="cast", traits=[Pure]):
    """Converts each element to the result's element type as torch does: float to int
    rounds toward zero (to ``ui8`` through int64, keeping the low byte, as eager does),
    ``ui8`` widens with zeros, anything to ``i1`` is ``!= 0``."""

    input: Operand[Any]
    result: Result[Any]

    def check(self):
        return v.require_same_shape([self.input, self.result])


# --- reductions ---------------------------------------------------------------------


class ReduceOp(KilnOp):
    """Reduces ``dimensions`` away: the result has the input's shape without them."""

    input: Operand[Any]
    dimensions: Any
    result: Result[Any]

    def check(self):
        shape = v.shape_of(self.input)
        dims = self.int_list("dimensions")
        message = v.require_dims_in_range(dims, len(shape))
        message = message or v.require_same_element_type([self.input, self.result])
        expected = [size for d, size in enumerate(shape) if d not in dims]
        if message is None and v.shape_of(self.result) != expected:
            message = f"result shape must be {expected}, got {v.shape_of(self.result)}"
        return message


REDUCE_OPS = {
    kind: _define(ReduceOp, f"reduce_{kind}") for kind in ("sum", "max", "min", "prod")
}


# --- contractions -------------------------------------------------------------------


class MatmulOp(KilnOp, name="matmul", traits=[Pure]):
    """``[M, K] x [K, N] -> [M, N]``."""

    lhs: Operand[Any]
    rhs: Operand[Any]
    result: Result[Any]
    batch_rank = 0

    def check(self):
        lhs, rhs, out = v.shape_of(self.lhs), v.shape_of(self.rhs), v.shape_of(self.result)
        rank = self.batch_rank + 2
        if not len(lhs) == len(rhs) == len(out) == rank:
            return f"expects rank-{rank} operands and result"
        batch = lhs[: self.batch_rank]
        if rhs[: self.batch_rank] != batch or lhs[-1] != rhs[-2]:
            return f"operand shapes {lhs} and {rhs} do not contract"
        expected = batch + [lhs[-2], rhs[-1]]
        if out != expected:
            return f"result shape must be {expected}, got {out}"
        return v.require_same_element_type([self.lhs, self.rhs, self.result])


class BatchMatmulOp(MatmulOp, name="batch_matmul", traits=[Pure]):
    """``[B, M, K] x [B, K, N] -> [B, M, N]``."""

    batch_rank = 1


class Conv2dOp(KilnOp, name="conv2d", traits=[Pure]):
    """2-D convolution, input NCHW, weight FCHW (C = input channels / groups), no padding."""

    input: Operand[Any]
    weight: Operand[Any]
    strides: Any
    dilations: Any
    groups: Any
    result: Result[Any]

    def check(self):
        x, w, out = v.shape_of(self.input), v.shape_of(self.weight), v.shape_of(self.result)
        if not len(x) == len(w) == len(out) == 4:
            return "expects rank-4 input, weight and result"
        groups = self.int_attr("groups")
        if groups < 1 or x[1] != w[1] * groups or w[0] % groups:
            return f"channels do not match: input {x}, weight {w}, groups {groups}"
        strides, dilations = self.int_list("strides"), self.int_list("dilations")
        if len(strides) != 2 or len(dilations) != 2 or min(strides + dilations) < 1:
            return f"expects two positive strides and dilations, got {strides} and {dilations}"
        spatial = [
            (x[2 + i] - dilations[i] * (w[2 + i] - 1) - 1) // strides[i] + 1 for i in range(2)
        ]
        expected = [x[0], w[0]] + spatial
        if out != expected:
            return f"result shape must be {expected}, got {out}"
        return v.require_same_element_type([self.input, self.weight, self.result])


# --- data movement ------------------------------------------------------------------


class BroadcastOp(KilnOp, name="broadcast", traits=[Pure]):
    """Input dimension ``i`` becomes result dimension ``dimensions[i]``; size-1 dims expand."""

    input: Operand[Any]
    dimensions: Any
    result: Result[Any]

    def check(self):
        x, out = v.shape_of(self.input), v.shape_of(self.result)
        dims = self.int_list("dimensions")
        if len(dims) != len(x):
            return f"needs one entry in dimensions per input dimension, got {dims} for {x}"
        message = v.require_dims_in_range(dims, len(out))
        if message is None and dims != sorted(dims):
            message = f"dimensions {dims} must be increasing"
        if message is None and any(x[i] not in (1, out[d]) for i, d in enumerate(dims)):
            message = f"cannot broadcast {x} to {out} along {dims}"
        return message or v.require_same_element_type([self.input, self.result])


class ReshapeOp(KilnOp, name="reshape", traits=[Pure]):
    """Same elements in row-major order, new shape."""

    input: Operand[Any]
    result: Result[Any]

    def check(self):
        before, after = v.shape_of(self.input), v.shape_of(self.result)
        if v.element_count(before) != v.element_count(after):
            return f"cannot reshape {before} ({v.element_count(before)} elements) to {after}"
        return v.require_same_element_type([self.input, self.result])


class TransposeOp(KilnOp, name="transpose", traits=[Pure]):
    """Result dimension ``i`` is input dimension ``permutation[i]``."""

    input: Operand[Any]
    permutation: Any
    result: Result[Any]

    def check(self):
        x = v.shape_of(self.input)
        perm = self.int_list("permutation")
        message = v.require_permutation(perm, len(x))
        expected = [x[p] for p in perm] if message is None else None
        if message is None and v.shape_of(self.result) != expected:
            message = f"result shape must be {expected}, got {v.shape_of(self.result)}"
        return message or v.require_same_element_type([self.input, self.result])


class SliceOp(KilnOp, name="slice", traits=[Pure]):
    """Static strided slice: ``sizes[i]`` elements from ``offsets[i]`` every ``strides[i]``."""

    input: Operand[Any]
    offsets: Any
    sizes: Any
    strides: Any
    result: Result[Any]

    def check(self):
        x = v.shape_of(self.input)
        offsets, sizes, strides = (self.int_list(n) for n in ("offsets", "sizes", "strides"))
        if not len(offsets) == len(sizes) == len(strides) == len(x):
            return "offsets, sizes and strides need one entry per dimension"
        for d, (o, s, st) in enumerate(zip(offsets, sizes, strides)):
            if o < 0 or s < 0 or st < 1 or (s > 0 and o + (s - 1) * st >= x[d]):
                return f"slice {o}:{s}:{st} is out of bounds for dimension {d} of size {x[d]}"
        if v.shape_of(self.result) != sizes:
            return f"result shape must be {sizes}, got {v.shape_of(self.result)}"
        return v.require_same_element_type([self.input, self.result])


# Like kiln.kernel's operands, concat inputs use fixed slots (see .slots); a cat of more
# tensors becomes a tree of concats. 16 is also the most inputs a kernel takes.
MAX_CONCAT_INPUTS = 16


class _ConcatChecks(KilnOp):
    def check(self):
        dim = self.int_attr("dimension")
        out = v.shape_of(self.result)
        if not 0 <= dim < len(out):
            return f"dimension {dim} is out of range for rank {len(out)}"
        total = 0
        for value in self.operands:
            shape = v.shape_of(value)
            if len(shape) != len(out) or any(
                shape[d] != out[d] for d in range(len(out)) if d != dim
            ):
                return f"input {value.type} does not match result {self.result.type}"
            total += shape[dim]
        if total != out[dim]:
            return f"inputs add up to {total} along dimension {dim}, result has {out[dim]}"
        return v.require_same_element_type(list(self.operands) + [self.result])


ConcatOp = define_op(
    "ConcatOp", "concat",
    {"dimension": Any, "result": Result[Any], **slot_fields("input", Operand, MAX_CONCAT_INPUTS)},
    _ConcatChecks, [Pure], "Joins its inputs along ``dimension``; build it with build_concat.",
)


def build_concat(inputs: list, dimension: int, result_type: ir.Type) -> ir.Value:
    """A ``kiln.concat`` of up to ``MAX_CONCAT_INPUTS`` tensors at the insertion point."""
    attributes = {"dimension": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), dimension)}
    return create_with_slots("kiln.concat", inputs, MAX_CONCAT_INPUTS, [result_type],
                             attributes=attributes).result


class PadOp(KilnOp, name="pad", traits=[Pure]):
    """Pads with ``low[i]`` and ``high[i]`` copies of ``value`` on each side of dimension ``i``."""

    input: Operand[Any]
    low: Any
    high: Any
    value: Any
    result: Result[Any]

    def check(self):
        x = v.shape_of(self.input)
        low, high = self.int_list("low"), self.int_list("high")
        self._attribute("value", (ir.FloatAttr, ir.IntegerAttr), "a number")
        if not len(low) == len(high) == len(x):
            return "low and high need one entry per dimension"
        if any(p < 0 for p in low + high):
            return "padding must not be negative"
        expected = [s + lo + hi for s, lo, hi in zip(x, low, high)]
        if v.shape_of(self.result) != expected:
            return f"result shape must be {expected}, got {v.shape_of(self.result)}"
        return v.require_same_element_type([self.input, self.result])


class GatherOp(KilnOp, name="gather", traits=[Pure]):
    """Picks entries of ``input`` along ``dimension`` by ``indices`` (like ``index_select``,
    with indices of any shape): result shape is
    ``input[:dimension] + indices.shape + input[dimension + 1:]``."""

    input: Operand[Any]
    indices: Operand[Any]
    dimension: Any
    result: Result[Any]

    def check(self):
        x, idx = v.shape_of(self.input), v.shape_of(self.indices)
        dim = self.int_attr("dimension")
        if not 0 <= dim < len(x):
            return f"dimension {dim} is out of range for rank {len(x)}"
        if not isinstance(v.element_type_of(self.indices), ir.IntegerType):
            return f"indices must be integers, got {self.indices.type}"
        expected = x[:dim] + idx + x[dim + 1 :]
        if v.shape_of(self.result) != expected:
            return f"result shape must be {expected}, got {v.shape_of(self.result)}"
        return v.require_same_element_type([self.input, self.result])


# --- constants ----------------------------------------------------------------------


class ConstantOp(KilnOp, name="constant", traits=[Pure]):
    """A dense tensor literal; a splat stays compact."""

    value: Any
    result: Result[Any]

    def check(self):
        value = self._attribute("value", ir.DenseElementsAttr, "a dense elements attribute")
        if value.type != self.result.type:
            return f"value type does not match result type {self.result.type}"
        return None


class IotaOp(KilnOp, name="iota", traits=[Pure]):
    """Each element is its index along ``dimension``."""

    dimension: Any
    result: Result[Any]

    def check(self):
        rank = len(v.shape_of(self.result))
        if not 0 <= self.int_attr("dimension") < rank:
            return f"dimension {self.int_attr('dimension')} is out of range for rank {rank}"
        return None
