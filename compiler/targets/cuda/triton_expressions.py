"""The scalar ops of a loop body (``arith``, ``math``) as Triton expressions.

Every op is rendered with ``tl`` core functions only, never ``libdevice``: Triton's
interpreter, which checks numerics on a CPU, has no ``libdevice``. Functions ``tl`` lacks
are compositions: ``tanh`` is an odd polynomial near 0 (the coefficients of
``kiln-expand-math``) and ``1 - 2/(e^2|x| + 1)`` beyond; ``log1p`` and ``expm1`` use the
classic correction ``log(u) * x / (u - 1)`` with ``u = 1 + x`` (and its dual) so small
arguments keep full relative accuracy; ``round``/``roundeven``/``trunc`` use ``floor``
and ``ceil``; ``powf`` is ``exp2(y * log2|x|)`` with the sign of odd integer powers.
Math on f16/bf16 runs in f32 and rounds back, as eager does. Semantics follow MLIR:
``arith.divsi``/``remsi`` truncate (Triton's ``//`` and ``%`` on integers do too),
``divui``/``remui``/``maxui``/``minui`` work on the bits as Triton's unsigned integers,
``arith.remf`` is C's ``fmod`` (Triton's ``%`` on floats), ``maximumf``/``minimumf``
propagate NaN. A ``memref.load`` (a gather) is a masked ``tl.load`` at the address its
indices give, broadcast to the block; an ``affine.apply`` is integer arithmetic on
loop indices.
"""

from collections.abc import Callable

from ...diagnostics import CompileError
from ..cpu.transforms.expand_math import TANH_SMALL, TANH_T
from .access_forms import parameter, render_index
from .triton_math import COMPOSITIONS
from .loop_nests import Body, Ref, ScalarOp
from .triton_source import BIT_WIDTHS, SourceWriter, literal, tl_type

_INFIX = {"arith.addf": "+", "arith.addi": "+", "arith.subf": "-", "arith.subi": "-",
          "arith.mulf": "*", "arith.muli": "*", "arith.divf": "/", "arith.remf": "%",
          "arith.divsi": "//", "arith.remsi": "%", "arith.andi": "&", "arith.ori": "|",
          "arith.xori": "^", "arith.shli": "<<", "arith.shrsi": ">>"}
_CALLS = {"math.exp": "tl.exp", "math.exp2": "tl.exp2", "math.log": "tl.log",
          "math.log2": "tl.log2", "math.sqrt": "tl.sqrt_rn", "math.rsqrt": "tl.rsqrt",
          "math.erf": "tl.erf", "math.sin": "tl.sin", "math.cos": "tl.cos",
          "math.absf": "tl.abs", "math.absi": "tl.abs", "math.floor": "tl.floor",
          "math.ceil": "tl.ceil", "math.fma": "tl.fma", "arith.maxsi": "tl.maximum",
          "arith.minsi": "tl.minimum", "arith.maxnumf": "tl.maximum",
          "arith.minnumf": "tl.minimum", "arith.select": "tl.where"}
_NAN_PROPAGATING = {"arith.maximumf": "tl.maximum", "arith.minimumf": "tl.minimum"}
# Unsigned integer ops: the same Triton operation on the bits read as unsigned.
_UNSIGNED = {"arith.divui": "{a} // {b}", "arith.remui": "{a} % {b}",
             "arith.maxui": "tl.maximum({a}, {b})", "arith.minui": "tl.minimum({a}, {b})"}
# arith.cmpf predicates by number; unordered ones are negated ordered ones, so NaN compares
# as MLIR says.
_CMPF = {0: "({a} == {a}) & ({a} != {a})", 1: "{a} == {b}", 2: "{a} > {b}", 3: "{a} >= {b}",
         4: "{a} < {b}", 5: "{a} <= {b}", 6: "({a} < {b}) | ({a} > {b})",
         7: "({a} == {a}) & ({b} == {b})", 8: "~(({a} < {b}) | ({a} > {b}))",
         9: "~({a} <= {b})", 10: "~({a} < {b})", 11: "~({a} >= {b})", 12: "~({a} > {b})",
         13: "{a} != {b}", 14: "({a} != {a}) | ({b} != {b})", 15: "({a} == {a}) | ({a} != {a})"}
_CMPI = {0: "==", 1: "!=", 2: "<", 3: "<=", 4: ">", 5: ">=", 6: "<", 7: "<=", 8: ">", 9: ">="}
_CASTS = frozenset({"arith.extf", "arith.truncf", "arith.sitofp", "arith.uitofp",
                    "arith.fptosi", "arith.fptoui", "arith.extsi", "arith.extui",
                    "arith.trunci", "arith.index_cast", "arith.index_castui", "arith.bitcast"})
_COMPOSED_MATH = frozenset({"math.tanh", "math.log1p", "math.expm1", "math.powf", "math.round",
                            "math.roundeven", "math.trunc", "math.log10", "math.tan",
                            "math.copysign", "math.fpowi", "math.isnan", "math.isinf"})


class BodyRenderer:
    """Writes a :class:`Body` as assignments; ``operands`` are the block arguments' Triton
    expressions and MLIR types, ``index`` gives the expression of a loop dimension,
    ``mask`` the block's live lanes and ``zero`` an int32 block of zeros of its shape."""

    def __init__(self, writer: SourceWriter, operands: list[tuple[str, str]],
                 index: Callable[[int], str], where: str, mask: str, zero: str):
        self.writer = writer
        self.operands = operands
        self.index = index
        self.where = where
        self.mask = mask
        self.zero = zero
        self.values: dict[int, tuple[str, str]] = {}

    def render(self, body: Body) -> list[str]:
        """Assign every op; return the yielded expressions."""
        self.render_ops(body.ops)
        return [self.ref(r)[0] for r in body.yields]

    def render_ops(self, ops: tuple[ScalarOp, ...]) -> None:
        """Assign each of ``ops``, in order."""
        for op in ops:
            self.render_op(op)

    def ref(self, ref: Ref) -> tuple[str, str]:
        """The expression and MLIR type of a body value."""
        kind = ref[0]
        if kind == "arg":
            return self.operands[ref[1]]
        if kind == "value":
            return self.values[ref[1]]
        if kind == "const":
            return literal(ref[1], ref[2]), ref[2]
        return self.index(ref[1]), "index"

    def render_op(self, op: ScalarOp) -> None:
        """Assign ``op``'s result to a fresh name."""
        if len(op.results) != 1:
            raise self.unsupported(op, "ops with several results")
        operands = [self.ref(r) for r in op.operands]
        result_type = op.result_types[0]
        math_type = result_type if op.name.startswith("math.") else None
        if math_type in ("f16", "bf16"):  # compute in f32, as eager does
            operands = [(f"{e}.to(tl.float32)", "f32") for e, _ in operands]
            expression = self.expression(op, operands, "f32")
            expression = f"({expression}).to({tl_type(result_type)})"
        else:
            expression = self.expression(op, operands, result_type)
        self.values[op.results[0]] = (self.writer.assign(expression), result_type)

    def expression(self, op: ScalarOp, operands: list[tuple[str, str]], result: str) -> str:
        """The Triton expression of ``op`` on already named ``operands``."""
        names = [e for e, _ in operands]
        if op.name in _INFIX:
            return f"{names[0]} {_INFIX[op.name]} {names[1]}"
        if op.name == "arith.shrui":  # >> of a signed Triton integer shifts its sign in
            unsigned = f"tl.uint{BIT_WIDTHS[result]}"
            return f"({names[0]}.to({unsigned}, bitcast=True) >> {names[1]}).to({tl_type(result)}, bitcast=True)"
        if op.name in _UNSIGNED:
            unsigned = f"tl.uint{BIT_WIDTHS[result]}"
            a, b = (f"{name}.to({unsigned}, bitcast=True)" for name in names)
            return f"({_UNSIGNED[op.name].format(a=a, b=b)}).to({tl_type(result)}, bitcast=True)"
        if op.name == "arith.negf":
            return f"-{names[0]}"
        if op.name == "math.sqrt" and result == "f64":  # tl.sqrt_rn takes f32 only
            return f"tl.sqrt({names[0]})"
        if op.name in _CALLS:
            return f"{_CALLS[op.name]}({', '.join(names)})"
        if op.name in _NAN_PROPAGATING:
            return (f"{_NAN_PROPAGATING[op.name]}({names[0]}, {names[1]}, "
                    "propagate_nan=tl.PropagateNan.ALL)")
        if op.name == "arith.cmpf":
            return _CMPF[op.predicate].format(a=names[0], b=names[1])
        if op.name == "arith.cmpi":
            return self.compare_integers(op, operands)
        if op.name == "arith.floordivsi":
            a, b = names
            q = self.writer.assign(f"{a} // {b}")
            return f"{q} - (({a} % {b} != 0) & (({a} < 0) != ({b} < 0))).to({q}.dtype)"
        if op.name in _CASTS:
            return self.cast(op, operands[0], result)
        if op.name in _COMPOSED_MATH:
            return self.composed_math(op, names, result)
        if op.name in COMPOSITIONS:
            return COMPOSITIONS[op.name](self.writer, names, BIT_WIDTHS[result])
        if op.name == "memref.load":
            return self.gather(op, names)
        if op.name == "affine.apply":
            return render_index(op.expression, lambda i: names[i])
        raise self.unsupported(op, "no Triton expression for it yet")

    def gather(self, op: ScalarOp, indices: list[str]) -> str:
        """A masked load of ``op.buffer`` at ``indices``, as wide as the block."""
        buffer = op.buffer
        terms = [str(buffer.offset)] if buffer.offset else []
        terms += [index if stride == 1 else f"{index} * {stride}"
                  for index, stride in zip(indices, buffer.strides) if stride]
        address = " + ".join([parameter(buffer.argument), *terms, self.zero])
        return f"tl.load({address}, mask={self.mask})"

    def compare_integers(self, op: ScalarOp, operands: list[tuple[str, str]]) -> str:
        (a, type_a), (b, _) = operands
        if op.predicate >= 6:  # unsigned: compare the bits as unsigned integers
            width = BIT_WIDTHS[type_a]
            a, b = ((f"{x}.to(tl.int32)" if width == 1
                     else f"{x}.to(tl.uint{width}, bitcast=True)") for x in (a, b))
        return f"{a} {_CMPI[op.predicate]} {b}"

    def cast(self, op: ScalarOp, operand: tuple[str, str], result: str) -> str:
        value, source = operand
        target = tl_type(result)
        if op.name == "arith.bitcast":
            return f"{value}.to({target}, bitcast=True)"
        if result == "i1":  # trunci keeps the lowest bit
            return f"({value} & 1) != 0"
        if source == "i1" and op.name in ("arith.extsi", "arith.sitofp"):
            return f"-({value}.to({target}))"  # true is -1 as a signed i1
        if source != "i1" and op.name in ("arith.extui", "arith.uitofp", "arith.index_castui"):
            value = f"{value}.to(tl.uint{BIT_WIDTHS[source]}, bitcast=True)"
        if op.name == "arith.fptoui":
            return f"{value}.to(tl.uint{BIT_WIDTHS[result]}).to({target}, bitcast=True)"
        return f"{value}.to({target})"

    def composed_math(self, op: ScalarOp, names: list[str], result: str) -> str:
        w, x = self.writer, names[0]
        if op.name == "math.tanh":
            z = w.assign(f"{x} * {x}")
            polynomial = repr(TANH_T[-1])
            for coefficient in reversed(TANH_T[:-1]):
                polynomial = f"{coefficient!r} + {z} * ({polynomial})"
            small = w.assign(f"{x} + {x} * {z} * ({polynomial})")
            large = w.assign(f"1.0 - 2.0 / (tl.exp(2.0 * tl.abs({x})) + 1.0)")
            return (f"tl.where(tl.abs({x}) < {TANH_SMALL!r}, {small}, "
                    f"tl.where({x} < 0, -{large}, {large}))")
        if op.name == "math.log1p":
            u = w.assign(f"1.0 + {x}")
            return (f"tl.where(({u} == 1.0) | ({u} == float('inf')), {x} + 0.0 * {u}, "
                    f"tl.log({u}) * ({x} / ({u} - 1.0)))")
        if op.name == "math.expm1":
            u = w.assign(f"tl.exp({x})")
            return (f"tl.where({u} == 1.0, {x}, tl.where({u} - 1.0 == -1.0, -1.0 + 0.0 * {x}, "
                    f"tl.where({u} == float('inf'), {u}, ({u} - 1.0) * {x} / tl.log({u}))))")
        if op.name in ("math.powf", "math.fpowi"):
            return self.power(op, names, result)
        if op.name == "math.round":  # half away from zero
            a = w.assign(f"tl.abs({x})")
            t = w.assign(f"tl.floor({a})")
            r = w.assign(f"{t} + tl.where({a} - {t} >= 0.5, 1.0, 0.0)")
            return f"tl.where({x} < 0, -{r}, {r})"
        if op.name == "math.roundeven":
            t = w.assign(f"tl.floor({x})")
            d = w.assign(f"{x} - {t}")
            odd = w.assign(f"{t} - 2.0 * tl.floor({t} * 0.5) != 0")
            return f"{t} + tl.where(({d} > 0.5) | (({d} == 0.5) & {odd}), 1.0, 0.0)"
        if op.name == "math.trunc":
            return f"tl.where({x} < 0, tl.ceil({x}), tl.floor({x}))"
        if op.name == "math.log10":
            return f"tl.log({x}) * 0.4342944819032518"
        if op.name == "math.tan":
            return f"tl.sin({x}) / tl.cos({x})"
        if op.name == "math.copysign":
            bits = f"tl.int{BIT_WIDTHS[result]}"
            return (f"tl.where({names[1]}.to({bits}, bitcast=True) < 0, "
                    f"-tl.abs({x}), tl.abs({x}))")
        if op.name == "math.isnan":
            return f"{x} != {x}"
        return f"tl.abs({x}) == float('inf')"  # math.isinf

    def power(self, op: ScalarOp, names: list[str], result: str) -> str:
        """``x ** y``: ``exp2(y * log2|x|)``, negative for odd integer ``y`` and negative
        ``x``, NaN for other ``y`` and negative ``x``, 1 for ``y == 0``. A constant ``y``
        is classified here rather than in the kernel."""
        w, x = self.writer, names[0]
        y = names[1] if op.name == "math.powf" else f"{names[1]}.to({tl_type(result)})"
        magnitude = w.assign(f"tl.exp2({y} * tl.log2(tl.abs({x})))")
        exponent = op.operands[1]
        if exponent[0] == "const":
            value = float(exponent[1])
            if value == 0:
                return f"{magnitude} * 0.0 + 1.0"
            if value != int(value):
                return f"tl.where({x} < 0, float('nan'), {magnitude})"
            return f"tl.where({x} < 0, -{magnitude}, {magnitude})" if int(value) % 2 else magnitude
        integral = w.assign(f"tl.floor({y}) == {y}")
        odd = w.assign(f"{integral} & (tl.floor({y} * 0.5) * 2.0 != {y})")
        signed = w.assign(f"tl.where(({x} < 0) & {odd}, -{magnitude}, {magnitude})")
        signed = w.assign(f"tl.where(({x} < 0) & ~{integral}, float('nan'), {signed})")
        return f"tl.where({y} == 0, 1.0, {signed})"

    def unsupported(self, op: ScalarOp, detail: str) -> CompileError:
        return CompileError(f"{self.where}: {op.name} is not supported by the CUDA target's "
                            f"Triton code generator ({detail})")
