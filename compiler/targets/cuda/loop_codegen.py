"""Triton code for one loop nest, as blocks of its parallel iteration space.

A nest's parallel dimensions that are not *fixed* (a fused row's index) are flattened and
cut into blocks; a block comes from the program id (one launch per nest) or from a loop
(several nests share a program, as in row fusion). Then:

- **elementwise** nests load, compute and store one block;
- **reductions** whose body is ``out = combine(out, f(inputs))`` with ``combine`` a sum,
  max, min, ``or`` or ``and`` step through the flattened reduction dimensions in
  ``BLOCK_K`` chunks: a (block x chunk) tile of ``f``, reduced with ``tl.sum``/``tl.max``/
  ``tl.min``, and the block's accumulator is combined with ``out`` at the end;
- **other reductions** (products, argmax-style bodies with several outputs) keep each
  output in registers and run the body once per reduction point, in order.
"""

import math
from dataclasses import dataclass

from ...diagnostics import InternalCompilerError
from .access_forms import render_address
from .block_sizes import pointwise_block, reduction_blocks, sequential_block
from .loop_nests import Access, LoopNest, ScalarOp
from .triton_expressions import BodyRenderer
from .triton_source import (BIT_WIDTHS, FLOAT_TYPES, SourceWriter, literal, python_scalar,
                            tl_type)


@dataclass(frozen=True)
class Combiner:
    """How Triton reduces a body whose last op is ``out = combine(out, value)``."""

    value: tuple  # the Ref combined into out
    reduce: str  # tl.sum, tl.max or tl.min
    neutral: float | int
    accumulator_type: str
    propagates_nan: bool


@dataclass(frozen=True)
class EmittedLoop:
    """What one emitted nest needs from its launch."""

    constexprs: dict[str, int]
    blocks: int  # blocks of free parallel elements (programs, when taken from the grid)
    tile: int  # elements of its largest tile


def free_parallel_dims(loop: LoopNest, fixed: dict[int, str]) -> tuple[int, ...]:
    """Parallel dimensions of ``loop`` that are not fixed by the program."""
    return tuple(d for d in loop.parallel_dims if d not in fixed)


def is_empty(loop: LoopNest) -> bool:
    """Whether ``loop`` has no iterations (a zero-size dimension)."""
    return math.prod(loop.sizes) == 0


def emit_loop(writer: SourceWriter, loop: LoopNest, fixed: dict[int, str], from_grid: bool,
              label: str, wide: bool) -> EmittedLoop:
    """Write the code of ``loop``; ``label`` names its block constexprs; ``wide`` asks
    for 64-bit element offsets."""
    free = free_parallel_dims(loop, fixed)
    outputs = math.prod(loop.sizes[d] for d in free)
    if not loop.reduction_dims:
        return _Emitter(writer, loop, fixed, label, wide).elementwise(free, outputs, from_grid)
    reduced = math.prod(loop.sizes[d] for d in loop.reduction_dims)
    emitter = _Emitter(writer, loop, fixed, label, wide)
    combiner = simple_combiner(loop)
    if combiner is not None:
        return emitter.tiled_reduction(free, outputs, reduced, combiner, from_grid)
    return emitter.sequential_reduction(free, outputs, reduced, from_grid)


_SUMS = frozenset({"arith.addf", "arith.addi"})
_MAXIMA = {"arith.maximumf": True, "arith.maxnumf": False, "arith.maxsi": False}
_MINIMA = {"arith.minimumf": True, "arith.minnumf": False, "arith.minsi": False}


def simple_combiner(loop: LoopNest) -> Combiner | None:
    """The :class:`Combiner` of a one-output reduction whose body ends in
    ``combine(out, value)`` and reads ``out`` nowhere else; None for any other body."""
    body = loop.body
    if len(loop.outputs) != 1 or not body.ops or body.yields != (("value", body.ops[-1].results[0]),):
        return None
    last, out = body.ops[-1], ("arg", len(loop.inputs))
    if len(last.operands) != 2 or out not in last.operands:
        return None
    value = last.operands[1] if last.operands[0] == out else last.operands[0]
    if value == out or any(out in op.operands for op in body.ops[:-1]):
        return None
    element = loop.outputs[0].element_type
    if last.name in _SUMS:
        return Combiner(value, "tl.sum", 0.0 if element in FLOAT_TYPES else 0, element, False)
    if element == "i1" and last.name in ("arith.ori", "arith.andi"):
        return Combiner(value, "tl.max" if last.name == "arith.ori" else "tl.min",
                        int(last.name == "arith.andi"), "i32", False)
    for extremes, reduce, sign in ((_MAXIMA, "tl.max", -1), (_MINIMA, "tl.min", 1)):
        if last.name in extremes:
            if element in FLOAT_TYPES:
                neutral = sign * float("inf")
            else:
                neutral = sign * (2 ** (BIT_WIDTHS[element] - 1)) - (sign > 0)
            return Combiner(value, reduce, neutral, element, extremes[last.name])
    return None


def _combine(combiner: Combiner, a: str, b: str) -> str:
    if combiner.reduce == "tl.sum":
        return f"{a} + {b}"
    function = "tl.maximum" if combiner.reduce == "tl.max" else "tl.minimum"
    nan = ", propagate_nan=tl.PropagateNan.ALL" if combiner.propagates_nan else ""
    return f"{function}({a}, {b}{nan})"


class _Emitter:
    def __init__(self, writer: SourceWriter, loop: LoopNest, fixed: dict[int, str], label: str,
                 wide: bool):
        self.w, self.loop, self.fixed, self.wide = writer, loop, fixed, wide
        self.block = f"BLOCK_{label}" if label else "BLOCK"
        self.used_args = _arguments_read(loop.body.ops, loop.body.yields)

    # --- block indices -------------------------------------------------------------------

    def open_blocks(self, block: str, elements: int, from_grid: bool) -> str:
        """Start a block of the flattened free parallel space; return its index vector."""
        if from_grid:
            program = "tl.program_id(0).to(tl.int64)" if self.wide else "tl.program_id(0)"
            return self.w.assign(f"{program} * {block} + tl.arange(0, {block})", "p")
        start = self.w.fresh("start")
        self.w.line(f"for {start} in range(0, {elements}, {block}):")
        self.w.depth += 1
        return self.w.assign(f"{start} + tl.arange(0, {block})", "p")

    def close_blocks(self, from_grid: bool) -> None:
        if not from_grid:
            self.w.depth -= 1

    def decompose(self, flat: str, dims: tuple[int, ...]) -> dict[int, str]:
        """Each dimension's index from a row-major flat index over ``dims``."""
        names, inner = {}, 1
        for position, d in enumerate(reversed(dims)):
            size = self.loop.sizes[d]
            if size == 1:
                names[d] = "0"
                continue
            expression = flat if inner == 1 else f"({flat} // {inner})"
            if position != len(dims) - 1:
                expression = f"{expression} % {size}"
            names[d] = self.w.assign(expression, f"i{d}_")
            inner *= size
        return names

    def indexer(self, *groups: tuple[dict[int, str], str]):
        """An index function over fixed dims and (names, broadcast suffix) groups."""
        def index(d: int) -> str:
            if d in self.fixed:
                return self.fixed[d]
            for names, suffix in groups:
                if d in names:
                    return names[d] if names[d] == "0" else names[d] + suffix
            raise InternalCompilerError(f"{self.loop.where}: {self.loop.op} indexes with "
                                        f"dimension {d}, which this code path does not iterate")
        return index

    def address(self, access: Access, index, varying: dict[int, str], zero: str) -> str:
        """The pointer of ``access``, broadcast to the block even if it varies with none of
        the block's dimensions."""
        pointer = render_address(access, index)
        dims = set()
        for expr in access.indices:
            _collect_dims(expr, dims)
        if not any(varying.get(d, "0") != "0" for d in dims):
            pointer += f" + {zero}"
        return pointer

    def load_operands(self, index, varying, zero, mask, accumulators=None) -> list[tuple[str, str]]:
        """Load the operands the body reads (outputs come from ``accumulators`` if given)."""
        operands = []
        accesses = self.loop.inputs + self.loop.outputs
        for i, access in enumerate(accesses):
            if accumulators is not None and i >= len(self.loop.inputs):
                operands.append((accumulators[i - len(self.loop.inputs)], access.element_type))
            elif i in self.used_args:
                pointer = self.address(access, index, varying, zero)
                operands.append((self.w.assign(f"tl.load({pointer}, mask={mask})", "x"),
                                 access.element_type))
            else:
                operands.append(("None", access.element_type))
        return operands

    # --- the three shapes of nest --------------------------------------------------------

    def open_flat_block(self, free, count: int, from_grid: bool) -> tuple:
        """Open a block of ``count`` flattened free indices: its index names per free
        dimension, their indexer, its mask and a zero vector of its shape."""
        p = self.open_blocks(self.block, count, from_grid)
        mask = self.w.assign(f"{p} < {count}", "mask")
        zero = self.w.assign(f"tl.zeros([{self.block}], tl.int32)", "zero")
        names = self.decompose(p, free)
        return names, self.indexer((names, "")), mask, zero

    def elementwise(self, free, elements: int, from_grid: bool) -> EmittedLoop:
        block_name, block = self.block, pointwise_block(elements)
        names, index, mask, zero = self.open_flat_block(free, elements, from_grid)
        operands = self.load_operands(index, names, zero, mask)
        results = BodyRenderer(self.w, operands, index, self.loop.where, mask, zero).render(
            self.loop.body)
        for access, value in zip(self.loop.outputs, results):
            pointer = self.address(access, index, names, zero)
            self.w.line(f"tl.store({pointer}, {value}, mask={mask})")
        self.close_blocks(from_grid)
        return EmittedLoop({block_name: block}, -(-elements // block), block)

    def tiled_reduction(self, free, outputs: int, reduced: int, combiner: Combiner,
                        from_grid: bool) -> EmittedLoop:
        block_p, block_k = f"{self.block}_P", f"{self.block}_K"
        sizes = reduction_blocks(outputs, reduced)
        accumulator_type = tl_type(combiner.accumulator_type)
        neutral = literal(combiner.neutral, combiner.accumulator_type)
        p = self.open_blocks(block_p, outputs, from_grid)
        p_mask = self.w.assign(f"{p} < {outputs}", "mask")
        p_names = self.decompose(p, free)
        acc = self.w.assign(f"tl.full([{block_p}], {python_scalar(combiner.neutral)}, "
                            f"{accumulator_type})", "acc")
        start = self.w.fresh("k")
        self.w.line(f"for {start} in range(0, {reduced}, {block_k}):")
        with self.w.indented():
            k = self.w.assign(f"{start} + tl.arange(0, {block_k})", "k")
            mask = self.w.assign(f"{p_mask}[:, None] & ({k} < {reduced})[None, :]", "mask")
            zero = self.w.assign(f"tl.zeros([{block_p}, {block_k}], tl.int32)", "zero")
            k_names = self.decompose(k, self.loop.reduction_dims)
            index = self.indexer((p_names, "[:, None]"), (k_names, "[None, :]"))
            self.used_args = _arguments_read(self.loop.body.ops[:-1], (combiner.value,))
            operands = self.load_operands(index, {**p_names, **k_names}, zero, mask)
            renderer = BodyRenderer(self.w, operands, index, self.loop.where, mask, zero)
            renderer.render_ops(self.loop.body.ops[:-1])
            value, _ = renderer.ref(combiner.value)
            tile = self.w.assign(f"tl.where({mask}, ({value}).to({accumulator_type}), {neutral})",
                                 "t")
            part = self.w.assign(f"{combiner.reduce}({tile}, axis=1)", "part")
            if combiner.propagates_nan:
                nans = f"tl.max(({tile} != {tile}).to(tl.int32), axis=1)"
                part = self.w.assign(f"tl.where({nans} > 0, float('nan'), {part})", "part")
            self.w.line(f"{acc} = ({_combine(combiner, acc, part)}).to({accumulator_type})")
        index = self.indexer((p_names, ""))
        output = self.loop.outputs[0]
        zero = self.w.assign(f"tl.zeros([{block_p}], tl.int32)", "zero")
        pointer = self.address(output, index, p_names, zero)
        out = self.w.assign(f"tl.load({pointer}, mask={p_mask}).to({accumulator_type})", "out")
        result = f"({_combine(combiner, out, acc)}).to({tl_type(output.element_type)})"
        if output.element_type == "i1":
            result = f"{_combine(combiner, out, acc)} != 0"
        self.w.line(f"tl.store({pointer}, {result}, mask={p_mask})")
        self.close_blocks(from_grid)
        return EmittedLoop({block_p: sizes[0], block_k: sizes[1]}, -(-outputs // sizes[0]),
                           sizes[0] * sizes[1])

    def sequential_reduction(self, free, outputs: int, reduced: int,
                             from_grid: bool) -> EmittedLoop:
        block_name, block = self.block, sequential_block(outputs)
        p_names, outer, mask, zero = self.open_flat_block(free, outputs, from_grid)
        pointers = [self.address(a, outer, p_names, zero) for a in self.loop.outputs]
        accumulators = [self.w.assign(f"tl.load({pointer}, mask={mask})", "acc")
                        for pointer in pointers]
        step = self.w.fresh("k")
        self.w.line(f"for {step} in range(0, {reduced}):")
        with self.w.indented():
            k_names = self.decompose(step, self.loop.reduction_dims)
            index = self.indexer((p_names, ""), (k_names, ""))
            operands = self.load_operands(index, p_names, zero, mask, accumulators)
            results = BodyRenderer(self.w, operands, index, self.loop.where, mask, zero).render(
                self.loop.body)
            for acc, value in zip(accumulators, results):
                self.w.line(f"{acc} = tl.where({mask}, {value}, {acc})")
        for pointer, acc in zip(pointers, accumulators):
            self.w.line(f"tl.store({pointer}, {acc}, mask={mask})")
        self.close_blocks(from_grid)
        return EmittedLoop({block_name: block}, -(-outputs // block), block)


def _arguments_read(ops: tuple[ScalarOp, ...], yields: tuple) -> set[int]:
    """The block arguments that ``ops`` and ``yields`` use."""
    refs = {ref for op in ops for ref in op.operands} | set(yields)
    return {ref[1] for ref in refs if ref[0] == "arg"}


def _collect_dims(expr, dims: set) -> None:
    if expr[0] == "dim":
        dims.add(expr[1])
    elif expr[0] != "const":
        _collect_dims(expr[1], dims)
        _collect_dims(expr[2], dims)
