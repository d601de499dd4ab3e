"""Differential testing: random small tensor programs, compiled by Kiln and compared with eager.

A program is Python source: a few lines, each applying one op Kiln converts
(elementwise unary and binary ops with broadcasting and type promotion, reductions
over dims with or without keepdim, matmul, softmax, reshape, transpose, permute,
slicing, expand, cat, where, casts, sorting and scans, gathers and scatters, pooling,
selections by a boolean input such as ``x[mask]`` and ``unique``, Fourier transforms and
complex arithmetic) to the inputs or to earlier lines. Shapes are small,
with size-1 and odd sizes (size 0 only when asked); dtypes are float32, float16, int64
and bool. The generator draws every choice from a :class:`Choices`, so the same code
serves hypothesis (``programs()``, which shrinks failures) and seeded long runs.

Each program is compiled for contiguous example inputs and called twice: with those
inputs, and with the same values passed as views (transposed, strided, offset or
reversed-stride storage). Both results are compared with eager by ``torch.testing.assert_close``
at its default tolerances for the result's dtype (float32: rtol 1.3e-6, atol 1e-5;
float16: rtol 1e-3, atol 1e-5), with ``equal_nan=True``. A result that misses eager but
matches, at the same tolerances, the exact answer (the program run in float64, rounded
to eager's dtype) passes: there eager is the less accurate one (a float16 log_softmax
off by 2 ulps, say). Outcomes:

- ``pass``; ``refused``: ``kiln.compile`` raised a ``kiln.KilnError`` (acceptable);
- ``wrong``: a result differs from eager; ``internal error``: ``kiln.compile`` crashed
  (a ``kiln.InternalCompilerError``, a bug in Kiln, never a refusal); ``error``: any
  other exception;
- ``crash`` and ``timeout`` (long runs only, where each program runs in a worker).

    python -m kiln.tools.conformance.differential --examples 2000 --jobs 2
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import torch

from .pool import WorkerPool
from .reasons import disagreement, one_line

SIZES = (1, 2, 3, 5, 7)
DTYPES = ("float32", "float16", "int64", "bool")
# Call-time layouts, each with the least rank it applies to.
LAYOUTS = {"contiguous": 0, "transposed": 2, "strided": 1, "offset": 1, "reversed": 3}
ACCEPTABLE = ("pass", "refused")
WORKER_ENV = {"KILN_CACHE": "0", "KILN_FALLBACK": "0"}

UNARY = ("-{a}", "{a}.abs()", "torch.exp({a})", "torch.tanh({a})", "torch.sigmoid({a})",
         "torch.relu({a})", "torch.sin({a})", "torch.cos({a})", "torch.erf({a})",
         "torch.floor({a})", "torch.ceil({a})", "torch.sqrt({a}.abs())",
         "torch.log1p({a}.abs())", "torch.rsqrt({a}.abs() + 1)", "torch.logical_not({a})",
         "~{a}", "torch.atan({a})", "torch.asinh({a})", "torch.expm1({a})",
         "torch.log2({a}.abs() + 1)", "torch.sign({a})", "torch.round({a})", "torch.trunc({a})",
         "torch.lgamma({a})", "torch.isinf({a})", "torch.signbit({a})")
BINARY = ("{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} / ({b}.abs() + 1)",
          "torch.maximum({a}, {b})", "torch.minimum({a}, {b})", "{a} < {b}", "{a} >= {b}",
          "{a} == {b}", "{a} != {b}", "{a} & {b}", "{a} | {b}",
          "torch.logical_and({a}, {b})", "torch.logical_or({a}, {b})", "torch.atan2({a}, {b})",
          "torch.hypot({a}, {b})", "torch.remainder({a}, {b}.abs() + 1)",
          "torch.fmod({a}, {b}.abs() + 1)", "torch.copysign({a}, {b})", "torch.fmax({a}, {b})")
SCALAR = ("{a} + 2", "{a} * 0.5", "{a} - 1.5", "3 - {a}", "{a} * -2", "{a} > 0.25")
REDUCTIONS = ("torch.sum", "torch.mean", "torch.amax", "torch.amin", "torch.prod",
              "torch.any", "torch.all")
CASTS = ("torch.float32", "torch.float16", "torch.int64", "torch.bool")


class Choices(Protocol):
    """Where the generator's decisions come from."""

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""

    def choice(self, options: Sequence):
        """One of ``options``."""


@dataclass
class RandomChoices:
    """Choices from a seeded ``random.Random``: one seed, one program."""

    rng: random.Random

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return self.rng.randint(low, high)

    def choice(self, options: Sequence):
        """One of ``options``."""
        return self.rng.choice(list(options))


@dataclass
class HypothesisChoices:
    """Choices drawn by hypothesis, which can then shrink a failing program."""

    draw: object

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        from hypothesis import strategies as st

        return self.draw(st.integers(low, high))

    def choice(self, options: Sequence):
        """One of ``options``."""
        from hypothesis import strategies as st

        return self.draw(st.sampled_from(list(options)))


@dataclass(frozen=True)
class InputSpec:
    """One program input: its shape and dtype, and the layout it is passed in at call time."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    layout: str


@dataclass
class Program:
    """A straight-line tensor program: inputs, one assignment per line, returned values."""

    inputs: list[InputSpec] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (name, expression)
    outputs: list[str] = field(default_factory=list)

    def source(self) -> str:
        """The program as a Python function named ``program``."""
        body = [f"    {name} = {expression}" for name, expression in self.lines]
        body.append(f"    return ({''.join(name + ', ' for name in self.outputs)})")
        arguments = ", ".join(spec.name for spec in self.inputs)
        return "\n".join([f"def program({arguments}):", *body])

    def function(self):
        """The program, compiled by Python."""
        namespace = {"torch": torch}
        exec(compile(self.source(), "<differential program>", "exec"), namespace)
        return namespace["program"]

    def describe(self) -> str:
        """The source, with the inputs' shapes, dtypes and call-time layouts."""
        specs = "\n".join(f"# {s.name}: {s.dtype}{list(s.shape)}, passed {s.layout}"
                          for s in self.inputs)
        return f"{specs}\n{self.source()}"


def random_values(spec: InputSpec, generator: torch.Generator) -> torch.Tensor:
    """Contiguous random values for an input: floats in about [-4, 4], ints in [-5, 5]."""
    if spec.dtype == "bool":
        return torch.rand(spec.shape, generator=generator) < 0.5
    if spec.dtype == "int64":
        return torch.randint(-5, 6, spec.shape, generator=generator)
    values = torch.randn(spec.shape, generator=generator) * 2
    return values.to(getattr(torch, spec.dtype))


def as_layout(values: torch.Tensor, layout: str) -> torch.Tensor:
    """The same values in a view of the given layout (a copy of them, never an alias)."""
    if layout == "transposed" and values.dim() >= 2:
        return values.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "strided" and values.dim() >= 1:
        wide = values.repeat_interleave(2, dim=-1)
        return wide[..., ::2]
    if layout == "offset" and values.dim() >= 1:
        return torch.cat([values[:1], values])[1:]
    if layout == "reversed" and values.dim() >= 3:
        order = tuple(reversed(range(values.dim())))
        return values.permute(order).contiguous().permute(order)
    return values.clone()


def make_inputs(program: Program, seed: int) -> tuple[tuple, tuple]:
    """Contiguous inputs, and the same values in each input's call-time layout."""
    generator = torch.Generator().manual_seed(seed)
    contiguous = tuple(random_values(spec, generator) for spec in program.inputs)
    views = tuple(as_layout(t, spec.layout) for t, spec in zip(contiguous, program.inputs))
    return contiguous, views


class _Builder:
    """Grows a program line by line, running each line on zeros to learn its shape and dtype."""

    def __init__(self, choices: Choices, empty_sizes: bool, binary: Sequence[str]):
        self.choices = choices
        self.empty_sizes = empty_sizes
        self.binary = binary
        self.program = Program()
        self.values: dict[str, torch.Tensor] = {}
        self.used: set[str] = set()
        # Lines only returned, never read: selections, whose length a later line could
        # not be made to agree with, and complex values.
        self.terminal: set[str] = set()
        self.input_names = (f"x{i}" for i in itertools.count())

    def new_input(self, shape, dtype: str) -> InputSpec:
        """A fresh input spec (added to the program only if the line using it is kept)."""
        layout = self.choices.choice([name for name, rank in LAYOUTS.items() if len(shape) >= rank])
        return InputSpec(next(self.input_names), tuple(shape), dtype, layout)

    def add_input(self, spec: InputSpec) -> None:
        """Add an input to the program."""
        self.program.inputs.append(spec)
        self.values[spec.name] = torch.zeros(spec.shape, dtype=getattr(torch, spec.dtype))

    def pick(self) -> str:
        """Any value so far, input or line, that later lines may read."""
        return self.choices.choice(sorted(set(self.values) - self.terminal))

    def try_line(self, expression: str, operands: Sequence[str], inputs=(), terminal=False) -> bool:
        """Keep the line if eager runs it on zeros (and it returns a tensor)."""
        for spec in inputs:
            self.add_input(spec)
        try:
            result = eval(expression, {"torch": torch}, dict(self.values))
        except Exception:
            result = None
        if not isinstance(result, torch.Tensor):
            for spec in inputs:
                self.program.inputs.remove(spec)
                del self.values[spec.name]
            return False
        name = f"v{len(self.program.lines)}"
        self.program.lines.append((name, expression))
        self.values[name] = result
        self.used.update(operands)
        if terminal or result.is_complex():
            self.terminal.add(name)
        return True


def _draw_shape(choices: Choices, sizes: Sequence[int]) -> tuple[int, ...]:
    return tuple(choices.choice(sizes) for _ in range(choices.integer(0, 4)))


def _broadcast_variant(choices: Choices, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with some leading dims dropped and some dims set to 1."""
    kept = shape[choices.integer(0, len(shape)):] if choices.integer(0, 3) == 0 else shape
    return tuple(1 if choices.integer(0, 3) == 0 else size for size in kept)


def _unary(b: _Builder) -> bool:
    a = b.pick()
    return b.try_line(b.choices.choice(UNARY).format(a=a), [a])


def _binary(b: _Builder) -> bool:
    a, other = b.pick(), b.pick()
    return b.try_line(b.choices.choice(b.binary).format(a=a, b=other), [a, other])


def _scalar(b: _Builder) -> bool:
    a = b.pick()
    return b.try_line(b.choices.choice(SCALAR).format(a=a), [a])


def _reduction(b: _Builder) -> bool:
    a = b.pick()
    rank = b.values[a].dim()
    reduce = b.choices.choice(REDUCTIONS)
    if rank == 0 or b.choices.integer(0, 4) == 0:
        return b.try_line(f"{reduce}({a})", [a])
    dims = sorted({b.choices.integer(-rank, rank - 1) % rank for _ in range(b.choices.integer(1, rank))})
    if reduce in ("torch.prod", "torch.any", "torch.all"):
        dims = dims[:1]  # these take one dim
    keepdim = b.choices.choice((False, True))
    dim = dims[0] if len(dims) == 1 else tuple(dims)
    return b.try_line(f"{reduce}({a}, dim={dim}, keepdim={keepdim})", [a])


def _softmax(b: _Builder) -> bool:
    a = b.pick()
    if not b.values[a].dtype.is_floating_point:
        return False  # eager refuses other dtypes, but not on an empty tensor
    rank = b.values[a].dim()
    function = b.choices.choice(("torch.softmax", "torch.log_softmax"))
    dim = b.choices.integer(-rank, rank - 1) if rank else 0
    return b.try_line(f"{function}({a}, dim={dim})", [a])


def _matmul(b: _Builder) -> bool:
    a = b.pick()
    shape = b.values[a].shape
    if not shape or not b.values[a].dtype.is_floating_point:
        return False
    batch = tuple(shape[:-2]) if b.choices.integer(0, 1) and len(shape) > 2 else ()
    right = b.new_input((*batch, shape[-1], b.choices.choice(SIZES)), str(b.values[a].dtype).removeprefix("torch."))
    return b.try_line(f"torch.matmul({a}, {right.name})", [a, right.name], [right])


def _transpose(b: _Builder) -> bool:
    a = b.pick()
    rank = b.values[a].dim()
    if rank < 2:
        return False
    if b.choices.integer(0, 1):
        return b.try_line(f"{a}.transpose({b.choices.integer(0, rank - 1)}, "
                          f"{b.choices.integer(0, rank - 1)})", [a])
    order = list(range(rank))
    for i in reversed(range(1, rank)):
        j = b.choices.integer(0, i)
        order[i], order[j] = order[j], order[i]
    return b.try_line(f"{a}.permute({tuple(order)})", [a])


def _reshape(b: _Builder) -> bool:
    a = b.pick()
    shape = list(b.values[a].shape)
    kind = b.choices.choice(("flatten", "merge", "unsqueeze", "split"))
    if kind == "flatten":
        return b.try_line(f"{a}.reshape(-1)", [a])
    if kind == "unsqueeze":
        return b.try_line(f"{a}.unsqueeze({b.choices.integer(0, len(shape))})", [a])
    if len(shape) < (2 if kind == "merge" else 1):
        return False
    dim = b.choices.integer(0, len(shape) - (2 if kind == "merge" else 1))
    if kind == "merge":
        new = shape[:dim] + [shape[dim] * shape[dim + 1]] + shape[dim + 2:]
    else:
        new = shape[:dim] + [1, shape[dim]] + shape[dim + 1:]
    return b.try_line(f"{a}.reshape({tuple(new)})", [a])


def _slice(b: _Builder) -> bool:
    a = b.pick()
    shape = b.values[a].shape
    if not shape:
        return False
    dim = b.choices.integer(0, len(shape) - 1)
    nonempty = 0 if b.empty_sizes or shape[dim] == 0 else 1
    start = b.choices.integer(0, shape[dim] - nonempty)
    stop = b.choices.integer(start + nonempty, shape[dim])
    step = b.choices.integer(1, 3)
    if b.choices.integer(0, 3) == 0 and shape[dim] > 0:
        return b.try_line(f"{a}.select({dim}, {b.choices.integer(0, shape[dim] - 1)})", [a])
    return b.try_line(f"{a}[{':, ' * dim}{start}:{stop}:{step}]", [a])


def _expand(b: _Builder) -> bool:
    a = b.pick()
    shape = list(b.values[a].shape)
    if 1 not in shape:
        return False
    shape[shape.index(1)] = b.choices.choice(SIZES)
    return b.try_line(f"{a}.expand({tuple(shape)})", [a])


def _cat(b: _Builder) -> bool:
    a = b.pick()
    shape = list(b.values[a].shape)
    if not shape:
        return False
    dim = b.choices.integer(0, len(shape) - 1)
    matching = [name for name, t in b.values.items()
                if t.dim() == len(shape) and all(s == o for i, (s, o) in enumerate(zip(shape, t.shape)) if i != dim)]
    if b.choices.integer(0, 1):
        return b.try_line(f"torch.cat([{a}, {b.choices.choice(sorted(matching))}], dim={dim})", [a])
    shape[dim] = b.choices.choice(SIZES)
    other = b.new_input(shape, b.choices.choice(DTYPES))
    return b.try_line(f"torch.cat([{a}, {other.name}], dim={dim})", [a, other.name], [other])


def _where(b: _Builder) -> bool:
    condition, a, other = b.pick(), b.pick(), b.pick()
    if b.values[condition].dtype != torch.bool:
        return b.try_line(f"torch.where({condition} > 0, {a}, {other})", [condition, a, other])
    if b.choices.integer(0, 2) == 0:
        return b.try_line(f"torch.where({condition}, {a}, 0.5)", [condition, a])
    return b.try_line(f"torch.where({condition}, {a}, {other})", [condition, a, other])


def _cast(b: _Builder) -> bool:
    a = b.pick()
    target = b.choices.choice(CASTS)
    if b.values[a].dtype.is_floating_point and target in ("torch.int64",):
        # Casting a float beyond int64's range is undefined in C and LLVM (torch and
        # Kiln may then disagree legitimately): clamp first.
        return b.try_line(f"{a}.clamp(-1000, 1000).to({target})", [a])
    return b.try_line(f"{a}.to({target})", [a])


def _order(b: _Builder) -> bool:
    """Sorting, selection and scans along one dimension. Index results come from stable
    sorts only: which of two equal elements comes first is otherwise unspecified."""
    a = b.pick()
    shape = b.values[a].shape
    if not shape or shape[-1] == 0:
        return False
    dim = b.choices.integer(-len(shape), len(shape) - 1)
    k = b.choices.integer(1, shape[dim]) if shape[dim] else 1
    expression = b.choices.choice((
        "torch.sort({a}, dim={dim}, stable=True)[0]",
        "torch.sort({a}, dim={dim}, descending=True, stable=True)[1]",
        "torch.argsort({a}, dim={dim}, stable=True)",
        "torch.topk({a}, {k}, dim={dim})[0]",
        "torch.topk({a}, {k}, dim={dim}, largest=False)[0]",
        "torch.kthvalue({a}, {k}, dim={dim})[0]",
        "torch.cumsum({a}, dim={dim})",
        "torch.cummax({a}, dim={dim})[0]",
        "torch.logcumsumexp({a}, dim={dim})",
    ))
    return b.try_line(expression.format(a=a, dim=dim, k=k), [a])


def _indexing(b: _Builder) -> bool:
    """Gathers and scatters with a fresh int64 index input, wrapped into range."""
    a = b.pick()
    shape = list(b.values[a].shape)
    if not shape or 0 in shape:
        return False
    dim = b.choices.integer(0, len(shape) - 1)
    size = shape[dim]
    kind = b.choices.choice(("gather", "index_select", "scatter_add", "index_add"))
    index_shape = list(shape)
    index_shape[dim] = b.choices.choice(SIZES)
    if kind == "index_select" or kind == "index_add":
        index_shape = [index_shape[dim]]
    index = b.new_input(index_shape, "int64")
    wrapped = f"{index.name}.remainder({size})"
    if kind == "gather":
        return b.try_line(f"torch.gather({a}, {dim}, {wrapped})", [a, index.name], [index])
    if kind == "index_select":
        return b.try_line(f"torch.index_select({a}, {dim}, {wrapped})", [a, index.name], [index])
    source_shape = list(index_shape) if kind == "scatter_add" else (
        shape[:dim] + index_shape + shape[dim + 1:])
    source = b.new_input(source_shape, str(b.values[a].dtype).removeprefix("torch."))
    method = "scatter_add" if kind == "scatter_add" else "index_add"
    return b.try_line(f"{a}.{method}({dim}, {wrapped}, {source.name})",
                      [a, index.name, source.name], [index, source])


def _pool(b: _Builder) -> bool:
    a = b.pick()
    rank = b.values[a].dim()
    if rank not in (3, 4) or not b.values[a].dtype.is_floating_point:
        return False
    spatial = "1d" if rank == 3 else "2d"
    kind = b.choices.choice(("max", "avg"))
    kernel, ceil = b.choices.integer(1, 3), b.choices.choice((False, True))
    return b.try_line(f"torch.nn.functional.{kind}_pool{spatial}({a}, {kernel}, "
                      f"ceil_mode={ceil})", [a])


def _select(b: _Builder) -> bool:
    """A selection by a fresh boolean input, whose length therefore depends on the data."""
    a = b.pick()
    shape = list(b.values[a].shape)
    if not shape:  # torch.export cannot trace a 0-d selection
        return False
    rows = b.choices.choice((len(shape), 1))
    mask = b.new_input(shape[:rows], "bool")
    expression, terminal = b.choices.choice((
        ("{a}[{m}]", True), ("{a}[{m}] * 2 + 1", True), ("{a}[{m}].sum(0)", False),
        ("{a}[{m}].float().mean(0)", False), ("torch.nonzero({m})", True),
        ("torch.unique({a}, return_counts=True)[1]", True), ("torch.unique({a})", True),
    ))
    return b.try_line(expression.format(a=a, m=mask.name), [a, mask.name], [mask], terminal)


def _fourier(b: _Builder) -> bool:
    """Fourier transforms and complex arithmetic of a floating value."""
    a = b.pick()
    if not b.values[a].dtype.is_floating_point or b.values[a].dim() == 0:
        return False
    n = b.values[a].shape[-1]
    expression = b.choices.choice((
        "torch.fft.rfft({a}).abs()", "torch.fft.fft({a}, norm='ortho')",
        "torch.fft.irfft(torch.fft.rfft({a}), n={n})", "torch.view_as_real(torch.fft.fft2({a}))",
        "(torch.polar({a}.abs(), {a}) * torch.complex({a}, -{a})).angle()",
        "torch.fft.ifft(torch.fft.fft({a}) / ({a}.abs() + 1))",
    ))
    return b.try_line(expression.format(a=a, n=n), [a])


OPS = {"unary": _unary, "binary": _binary, "scalar": _scalar, "reduction": _reduction,
       "softmax": _softmax, "matmul": _matmul, "transpose": _transpose, "reshape": _reshape,
       "slice": _slice, "expand": _expand, "cat": _cat, "where": _where, "cast": _cast,
       "order": _order, "indexing": _indexing, "pool": _pool, "select": _select,
       "fourier": _fourier}


def generate(choices: Choices, max_lines: int = 5, empty_sizes: bool = False,
             ops: Sequence[str] = tuple(OPS), binary: Sequence[str] = BINARY) -> Program:
    """A random program of 1 to ``max_lines`` lines over 1 to 3 inputs of broadcastable shapes.

    ``ops`` names the kinds of line to draw (keys of ``OPS``); ``binary`` the binary
    expressions, so a run can leave out ones with a known bug.
    """
    builder = _Builder(choices, empty_sizes, binary)
    sizes = (*SIZES, 0) if empty_sizes else SIZES
    base = _draw_shape(choices, sizes)
    for _ in range(choices.integer(1, 3)):
        builder.add_input(builder.new_input(_broadcast_variant(choices, base), choices.choice(DTYPES)))
    wanted = choices.integer(1, max_lines)
    for _ in range(8 * wanted):
        if len(builder.program.lines) == wanted:
            break
        OPS[choices.choice(ops)](builder)
    if not builder.program.lines:
        builder.try_line(f"{builder.program.inputs[0].name}.clone()", [builder.program.inputs[0].name])
    builder.program.outputs = [name for name, _ in builder.program.lines if name not in builder.used]
    return builder.program


def programs(**options):
    """A hypothesis strategy of programs; ``options`` go to :func:`generate`."""
    from hypothesis import strategies as st

    return st.composite(lambda draw: generate(HypothesisChoices(draw), **options))()


def program_from_seed(seed: int, **options) -> Program:
    """The program a seed stands for in long runs."""
    return generate(RandomChoices(random.Random(seed)), **options)


def widened(program: Program) -> Program:
    """The program with every float16 and float32 value, input or cast, in float64."""
    wide = {"float16": "float64", "float32": "float64"}
    inputs = [InputSpec(s.name, s.shape, wide.get(s.dtype, s.dtype), s.layout) for s in program.inputs]
    lines = [(name, expression.replace("torch.float16", "torch.float64").replace(
        "torch.float32", "torch.float64")) for name, expression in program.lines]
    return Program(inputs, lines, program.outputs)


def exact_results(program: Program, inputs: tuple) -> tuple:
    """The program's results computed in float64, then rounded to eager's result dtypes."""
    expected = program.function()(*inputs)
    wide_inputs = [t.double() if t.is_floating_point() else t for t in inputs]
    exact = widened(program).function()(*wide_inputs)
    return tuple(e.to(x.dtype) for e, x in zip(exact, expected))


def check_program(program: Program, seed: int = 0) -> tuple[str, str]:
    """Compile the program with Kiln, run it on both layouts, compare; (outcome, reason)."""
    from kiln import InternalCompilerError, KilnError, compile as kiln_compile

    function = program.function()
    contiguous, views = make_inputs(program, seed)
    try:
        compiled = kiln_compile(function, *contiguous)
    except KilnError as error:
        return "refused", one_line(str(error))
    except InternalCompilerError as error:
        return "internal error", one_line(str(error))
    except Exception as error:
        return "error", one_line(f"compile: {type(error).__name__}: {error}")
    for layout, inputs in (("contiguous", contiguous), ("views", views)):
        try:
            actual = compiled(*inputs)
        except Exception as error:
            return "error", one_line(f"run ({layout}): {type(error).__name__}: {error}")
        mismatch = disagreement(actual, function(*inputs))
        if mismatch and disagreement(actual, exact_results(program, inputs)):
            return "wrong", f"{layout} inputs: {mismatch}"
    return "pass", ""


def check_seed(task: tuple[int, dict]):
    """The worker's handler: generate the program of a seed, check it, yield the outcome."""
    seed, options = task
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    yield check_program(program_from_seed(seed, **options), seed)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="programs to run (200)")
    parser.add_argument("--seed", type=int, default=0, help="first seed; program i uses seed + i")
    parser.add_argument("--max-lines", type=int, default=5, help="lines per program (5)")
    parser.add_argument("--empty-sizes", action="store_true", help="draw size-0 dims too")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per program (120)")
    parser.add_argument("--show", type=int, help="print the program of this seed and exit")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Command-line entry point: run many seeded programs; exits 1 if any is wrong or fails."""
    args = _parse_args(argv)
    options = {"max_lines": args.max_lines, "empty_sizes": args.empty_sizes}
    if args.show is not None:
        print(program_from_seed(args.show, **options).describe())
        return 0
    started = time.monotonic()
    counts = Counter()
    pool = WorkerPool(check_seed, jobs=args.jobs, timeout=args.timeout, env=WORKER_ENV)
    tasks = [(args.seed + i, options) for i in range(args.examples)]
    for outcome in pool.run(tasks):
        seed = outcome.task[0]
        category, reason = outcome.items[0] if outcome.items else (outcome.failure, outcome.detail)
        counts[category] += 1
        if category not in ACCEPTABLE:
            print(f"--- seed {seed}: {category}: {reason}\n"
                  f"{program_from_seed(seed, **options).describe()}", flush=True)
    print(f"\n{sum(counts.values())} programs in {time.monotonic() - started:.0f} s: "
          + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    return 0 if set(counts) <= set(ACCEPTABLE) else 1


if __name__ == "__main__":
    sys.exit(main())
