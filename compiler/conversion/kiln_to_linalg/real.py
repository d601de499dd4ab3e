"""``Real``: a float scalar of a linalg body with Python's operators, so that the series
and recurrences of special functions read as formulas. Python numbers mixed in become
constants of the same type; comparisons are ordered (false on NaN) and give
:class:`Condition` values, combined with ``&``, ``|`` and ``~``."""

from torch_mlir import ir
from torch_mlir.dialects import arith, math, scf

from .builders import scalar_constant


class Condition:
    """An ``i1`` scalar."""

    def __init__(self, value: ir.Value):
        self.value = value

    def __and__(self, other: "Condition") -> "Condition":
        return Condition(arith.andi(self.value, other.value))

    def __or__(self, other: "Condition") -> "Condition":
        return Condition(arith.ori(self.value, other.value))

    def __invert__(self) -> "Condition":
        return Condition(arith.xori(self.value, scalar_constant(1, self.value.type)))


class Real:
    """A float scalar; ``+ - * /``, negation and comparisons build ``arith`` ops."""

    def __init__(self, value: ir.Value):
        self.value = value

    @property
    def type(self) -> ir.Type:
        return self.value.type

    def lift(self, other) -> "Real":
        """``other`` as a Real of this type (a Python number becomes a constant)."""
        return other if isinstance(other, Real) else Real(scalar_constant(float(other), self.type))

    def __add__(self, other):
        return Real(arith.addf(self.value, self.lift(other).value))

    def __radd__(self, other):
        return self.lift(other) + self

    def __sub__(self, other):
        return Real(arith.subf(self.value, self.lift(other).value))

    def __rsub__(self, other):
        return self.lift(other) - self

    def __mul__(self, other):
        return Real(arith.mulf(self.value, self.lift(other).value))

    def __rmul__(self, other):
        return self.lift(other) * self

    def __truediv__(self, other):
        return Real(arith.divf(self.value, self.lift(other).value))

    def __rtruediv__(self, other):
        return self.lift(other) / self

    def __neg__(self):
        return Real(arith.negf(self.value))

    def __abs__(self):
        return Real(math.absf(self.value))

    def _compare(self, predicate: str, other) -> Condition:
        return Condition(arith.cmpf(getattr(arith.CmpFPredicate, predicate),
                                    self.value, self.lift(other).value))

    def __lt__(self, other):
        return self._compare("OLT", other)

    def __le__(self, other):
        return self._compare("OLE", other)

    def __gt__(self, other):
        return self._compare("OGT", other)

    def __ge__(self, other):
        return self._compare("OGE", other)

    def __eq__(self, other):
        return self._compare("OEQ", other)

    def __ne__(self, other):  # unordered: NaN differs from everything
        return self._compare("UNE", other)

    __hash__ = None


def where(condition: Condition, a, b) -> Real:
    """``condition ? a : b``; either may be a Python number if the other is a Real."""
    anchor = a if isinstance(a, Real) else b
    return Real(arith.select(condition.value, anchor.lift(a).value, anchor.lift(b).value))


def is_nan(x: Real) -> Condition:
    return x != x


def _unary(op):
    return lambda x: Real(op(x.value))


exp = _unary(math.exp)
log = _unary(math.log)
log1p = _unary(math.log1p)
sqrt = _unary(math.sqrt)
sin = _unary(math.sin)
cos = _unary(math.cos)
floor = _unary(math.floor)
erf = _unary(math.erf)


def trunc(x: Real) -> Real:
    """Rounded toward zero."""
    return where(x < 0, -floor(-x), floor(x))


def pow(x: Real, y) -> Real:  # noqa: A001
    return Real(math.powf(x.value, x.lift(y).value))


def copysign(magnitude, sign: Real) -> Real:
    return Real(math.copysign(sign.lift(magnitude).value, sign.value))


def polynomial(x: Real, coefficients) -> Real:
    """``sum(c[k] * x**k)`` by Horner's rule, lowest degree first."""
    result = x.lift(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result


def chebyshev_series(s: Real, coefficients) -> Real:
    """``sum(c[k] * T_k(s))`` for ``s`` in [-1, 1], by Clenshaw's recurrence."""
    following, current = s.lift(0), s.lift(0)
    for c in reversed(coefficients[1:]):
        following, current = current, 2 * s * current - following + c
    return s * current - following + coefficients[0]


def while_loop(state: list[Real], keep_going, step) -> list[Real]:
    """``while keep_going(state): state = step(state)`` as an ``scf.while`` loop;
    ``keep_going`` returns a Condition, ``step`` the next list of Reals."""
    types = [value.type for value in state]
    loop = scf.WhileOp(types, [value.value for value in state])
    before = loop.before.blocks.append(*types)
    with ir.InsertionPoint(before):
        current = [Real(argument) for argument in before.arguments]
        scf.ConditionOp(keep_going(current).value, [value.value for value in current])
    after = loop.after.blocks.append(*types)
    with ir.InsertionPoint(after):
        scf.YieldOp([value.value for value in step([Real(argument) for argument in after.arguments])])
    return [Real(result) for result in loop.results]
