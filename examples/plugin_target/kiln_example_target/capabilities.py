"""What the example NPU's kernels can hold: elementwise arithmetic, reductions and
matrix products on int8, bf16 and f32 tensors, with the layout ops between them. It has
no convolution, gather, slice, concat, pad, comparison or bitwise unit; kernels holding
those run on the CPU."""

from kiln.compiler.dialect.kiln import REDUCE_OPS, UNARY_OPS

ARITHMETIC = ("add", "sub", "mul", "div", "maximum", "minimum")
CONTRACTIONS = ("matmul", "batch_matmul")
LAYOUT = ("broadcast", "reshape", "transpose", "constant", "cast")

KERNEL_OPS = frozenset(
    {f"kiln.{name}" for name in (*UNARY_OPS, *ARITHMETIC, *CONTRACTIONS, *LAYOUT)}
    | {f"kiln.reduce_{kind}" for kind in REDUCE_OPS})
ELEMENT_TYPES = frozenset({"i8", "bf16", "f32"})
