"""A small writer of Triton kernel source: indented lines, fresh local names, and the
Triton names of MLIR element types."""

from dataclasses import dataclass, field

from ...diagnostics import CompileError

TL_TYPES = {"f16": "tl.float16", "bf16": "tl.bfloat16", "f32": "tl.float32", "f64": "tl.float64",
            "i1": "tl.int1", "i8": "tl.int8", "i16": "tl.int16", "i32": "tl.int32",
            "i64": "tl.int64", "index": "tl.int64"}
# Triton's signature strings for a pointer to each element type (triton.compile wants them).
POINTER_TYPES = {"f16": "*fp16", "bf16": "*bf16", "f32": "*fp32", "f64": "*fp64", "i1": "*i1",
                 "i8": "*i8", "i16": "*i16", "i32": "*i32", "i64": "*i64"}
FLOAT_TYPES = frozenset({"f16", "bf16", "f32", "f64"})
BIT_WIDTHS = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64, "i1": 1, "i8": 8, "i16": 16,
              "i32": 32, "i64": 64, "index": 64}


def tl_type(type_name: str) -> str:
    """The ``tl`` dtype for MLIR scalar type ``type_name``; :class:`CompileError` if none."""
    if type_name not in TL_TYPES:
        raise CompileError(f"the CUDA target has no Triton type for element type {type_name}")
    return TL_TYPES[type_name]


def python_scalar(value) -> str:
    """``value`` (a bool, int or float, NaN and infinities included) as Python source."""
    if isinstance(value, float) and value != value:
        return 'float("nan")'
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return f'float("{value}")'
    return repr(value)


def literal(value, type_name: str) -> str:
    """A 0-d Triton tensor holding ``value`` with exactly type ``type_name``."""
    return f"tl.full([], {python_scalar(value)}, {tl_type(type_name)})"


@dataclass
class SourceWriter:
    """Lines of one function body; :meth:`assign` names an expression and returns the name."""

    lines: list[str] = field(default_factory=list)
    depth: int = 1
    counter: int = 0

    def line(self, text: str) -> None:
        """Append ``text`` at the current indentation."""
        self.lines.append("    " * self.depth + text)

    def fresh(self, stem: str = "v") -> str:
        """A local name not used before in this function."""
        self.counter += 1
        return f"{stem}{self.counter}"

    def assign(self, expression: str, stem: str = "v") -> str:
        """Append ``name = expression`` with a fresh name, and return that name."""
        name = self.fresh(stem)
        self.line(f"{name} = {expression}")
        return name

    def indented(self):
        """A context manager: lines written inside it are one level deeper."""
        writer = self

        class _Indent:
            def __enter__(self):
                writer.depth += 1

            def __exit__(self, *exc):
                writer.depth -= 1

        return _Indent()


def function_source(name: str, parameters: list[str], body: list[str]) -> str:
    """The module text of one ``@triton.jit`` function, importing what it uses."""
    signature = ",\n        ".join(parameters)
    return ("import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
            f"def {name}(\n        {signature}):\n" + "\n".join(body) + "\n")
