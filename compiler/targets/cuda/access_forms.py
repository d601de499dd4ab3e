"""Addresses of loop-nest accesses as linear forms over loop dimensions, and their
rendering as Triton index arithmetic.

Fusion legality is decided on these forms: two accesses touch the same element at the
same loop point exactly when their arguments and linear forms are equal.
"""

from collections.abc import Callable

from .loop_nests import Access, Expr

# const + sum(coefficients[d] * dim_d), over a loop's dimensions.
LinearForm = tuple[int, tuple[int, ...]]


def linear_form(access: Access, rank: int) -> LinearForm | None:
    """The element offset of ``access`` as a linear form in ``rank`` loop dimensions, or
    None when an index uses floordiv, ceildiv, mod or a product of dimensions."""
    const, coefficients = access.offset, [0] * rank
    for stride, index in zip(access.strides, access.indices):
        form = _linear(index, rank)
        if form is None:
            return None
        const += stride * form[0]
        coefficients = [c + stride * f for c, f in zip(coefficients, form[1])]
    return const, tuple(coefficients)


def _linear(expr: Expr, rank: int) -> LinearForm | None:
    kind = expr[0]
    if kind == "dim":
        return 0, tuple(int(d == expr[1]) for d in range(rank))
    if kind == "const":
        return expr[1], (0,) * rank
    left, right = _linear(expr[1], rank), _linear(expr[2], rank)
    if left is None or right is None:
        return None
    if kind == "add":
        return left[0] + right[0], tuple(a + b for a, b in zip(left[1], right[1]))
    if kind == "mul" and not any(right[1]):
        return left[0] * right[0], tuple(a * right[0] for a in left[1])
    if kind == "mul" and not any(left[1]):
        return left[0] * right[0], tuple(left[0] * b for b in right[1])
    return None


def substituted(form: LinearForm, mapping: dict[int, int], rank: int) -> LinearForm:
    """``form`` with loop dimension ``d`` renamed ``mapping[d]``, in a ``rank``-dim loop."""
    coefficients = [0] * rank
    for d, c in enumerate(form[1]):
        if c:
            coefficients[mapping[d]] += c
    return form[0], tuple(coefficients)


def largest_offset(access: Access, sizes: tuple[int, ...]) -> int:
    """An upper bound of the element offsets ``access`` reaches over loop ``sizes``."""
    return access.offset + sum(abs(stride) * _largest(index, sizes)
                               for stride, index in zip(access.strides, access.indices))


def _largest(expr: Expr, sizes: tuple[int, ...]) -> int:
    kind = expr[0]
    if kind == "dim":
        return max(sizes[expr[1]] - 1, 0)
    if kind == "const":
        return abs(expr[1])
    left, right = _largest(expr[1], sizes), _largest(expr[2], sizes)
    if kind == "add":
        return left + right
    if kind == "mul":
        return left * right
    return left  # floordiv, ceildiv and mod by a positive constant do not grow a value


def render_index(expr: Expr, index: Callable[[int], str]) -> str:
    """``expr`` as Triton integer arithmetic; ``index(d)`` is dimension ``d``'s expression.

    Loop indices and map constants are non-negative, so Triton's truncating ``//`` and
    ``%`` agree with affine floordiv and mod here.
    """
    kind = expr[0]
    if kind == "dim":
        return index(expr[1])
    if kind == "const":
        return str(expr[1])
    left, right = render_index(expr[1], index), render_index(expr[2], index)
    if kind == "add":
        return f"({left} + {right})"
    if kind == "mul":
        return f"({left} * {right})"
    if kind == "floordiv":
        return f"({left} // {right})"
    if kind == "ceildiv":
        return f"(({left} + {right} - 1) // {right})"
    return f"({left} % {right})"


def render_address(access: Access, index: Callable[[int], str]) -> str:
    """The pointer expression of ``access``: its argument's parameter plus the offset."""
    terms = [str(access.offset)] if access.offset else []
    for stride, expr in zip(access.strides, access.indices):
        if stride == 0 or expr == ("const", 0):
            continue
        text = render_index(expr, index)
        if text != "0":
            terms.append(text if stride == 1 else f"{text} * {stride}")
    return f"{parameter(access.argument)} + " + (" + ".join(terms) if terms else "0")


def parameter(argument: int) -> str:
    """The Triton parameter name of kernel argument ``argument``."""
    return f"arg{argument}"
