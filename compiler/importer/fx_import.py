"""The front end: ``torch.export`` → Kiln's decompositions → torch-mlir's FX importer.

Parameters and buffers become *arguments* of the imported function, in front of the
user inputs, in the order of the exported program's graph signature. They are not
folded into constants: the IR stays small (no megabytes of weights in every stage's
dump), compile time does not grow with the weights, and a compiled program always
reads the module's current parameter values.

Linear algebra ops check their results in eager (``torch.linalg.inv`` of a singular
matrix raises), as effectful ``aten._linalg_check_errors`` calls that ``torch.export``
threads on effect tokens; Kiln's own decompositions check their inputs with
``aten._assert_async``. Compiled code cannot raise, so a failed check makes every result
of the program NaN instead (see :func:`_failed_checks_as_nan`).
"""

import copy
import operator
import types
from dataclasses import dataclass

import torch
from torch.utils import _pytree as pytree
from torch.export import ExportedProgram
from torch.export._remove_effect_tokens_pass import _remove_effect_tokens
from torch.export.graph_signature import InputKind, OutputKind
from torch_mlir import ir
from torch_mlir.extras.fx_importer import TORCH_DTYPE_TO_INT, TORCH_DTYPE_TO_MLIR_TYPE_ASM, FxImporter

from ..diagnostics import FrontendError, KilnError, user_line_of_stack
from .bounded_results import has_data_dependent_shapes, pad_data_dependent_results
from .complex_as_real import complex_as_real, has_complex_values
from .decompositions import kiln_decomposition_table
from .random_draws import RandomDraw, hoist_random_draws
from .storage_views import read_storage_from_view_bases

STATE_KINDS = {InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR}
# Ops that raise in eager when their first argument fails a test against 0: a nonzero
# LAPACK ``info``, a false assertion.
ERROR_CHECKS = {
    torch.ops.aten._linalg_check_errors.default: torch.ops.aten.ne.Scalar,
    torch.ops.aten._assert_async.msg: torch.ops.aten.eq.Scalar,
}


@dataclass(frozen=True)
class ImportedProgram:
    """The ``torch``-stage module and how its arguments map to the Python callable."""

    module: ir.Module
    function_name: str
    # Fully qualified names of the parameters and buffers that lead the argument list.
    state_names: tuple[str, ...]
    user_input_count: int
    # For each leading result that is a mutation's new value: the tensor it overwrites
    # after the call, as ("state", index into state_names) or ("input", user input index).
    mutations: tuple[tuple[str, int], ...] = ()
    # Python scalars torch.export specialized: (user input position, value), and results
    # that are constants: (position among the user outputs, value).
    scalar_inputs: tuple[tuple[int, object], ...] = ()
    constant_outputs: tuple[tuple[int, object], ...] = ()
    # Positions among the tensor results of the Python scalars (``x.item()``) that the
    # runtime reads from the one-element tensors the program returns in their place.
    scalar_outputs: tuple[int, ...] = ()
    # Random ops the runtime draws through torch: the arguments after the user inputs.
    random_draws: tuple[RandomDraw, ...] = ()
    # Results whose length depends on the data, computed at their largest length:
    # (result position, position of the result holding the length, dimension).
    bounded_outputs: tuple[tuple[int, int, int], ...] = ()
    # Example values of the tensor results as the runtime allocates them.
    result_examples: tuple[torch.Tensor, ...] = ()


# Ops whose result depends on how their operand lies in memory, not only on its values.
MEMORY_LAYOUT_OPS = {
    torch.ops.aten.as_strided.default, torch.ops.aten.as_strided_.default,
    torch.ops.aten.as_strided_copy.default, torch.ops.aten.as_strided_scatter.default,
    torch.ops.aten.resize.default, torch.ops.aten.resize_.default,
}


def export(fn, example_args: tuple) -> tuple[ExportedProgram, bool]:
    """Trace ``fn`` with ``torch.export`` and decompose it with Kiln's table.

    Also says whether the program reads a tensor's memory layout (``as_strided``):
    it is then compiled for the layout of the example inputs, which each call must
    match."""
    module = fn if isinstance(fn, torch.nn.Module) else _FunctionModule(fn)
    try:
        program = torch.export.export(module, example_args, strict=False)
    except Exception as error:  # torch.export raises many unrelated types
        raise FrontendError(
            f"torch.export could not trace the program: {error}\n"
            "Kiln compiles what torch.export can capture as one graph; remove "
            "data-dependent Python control flow or mark it with torch.cond."
        ) from error
    reads_layout = any(node.target in MEMORY_LAYOUT_OPS for node in program.graph.nodes)
    if reads_layout:
        read_storage_from_view_bases(program.graph_module)
    try:
        program = program.run_decompositions(kiln_decomposition_table())
    except KilnError:
        raise
    except Exception as error:  # torch's re-trace: functionalization asserts and the like
        raise FrontendError(
            f"torch.export could not decompose the program to ATen ops: "
            f"{type(error).__name__}: {error}\nIn-place ops that change a tensor's shape "
            "(resize_) or its storage (set_) are a common cause; return new tensors instead."
        ) from error
    if any(spec.kind == InputKind.TOKEN for spec in program.graph_signature.input_specs):
        # The effectful calls become plain ones, and the tokens that ordered them go.
        program = _remove_effect_tokens(program)
    return program, reads_layout


def import_program(program: ExportedProgram, context: ir.Context,
                   function_name: str = "forward") -> ImportedProgram:
    """Import a decomposed exported program into ``torch`` dialect IR."""
    signature = program.graph_signature
    kinds = [spec.kind for spec in signature.input_specs]
    for kind in set(kinds) - STATE_KINDS - {InputKind.USER_INPUT}:
        raise FrontendError(f"inputs of kind {kind.name} are not supported by Kiln yet")
    state_names = tuple(s.target for s in signature.input_specs if s.kind in STATE_KINDS)
    if any(kind not in STATE_KINDS for kind in kinds[: len(state_names)]):
        raise FrontendError("parameters and buffers must precede user inputs in the exported graph")
    mutations = _mutations(program, state_names)
    graph, scalar_inputs, constant_outputs, scalar_outputs = _tensors_only(
        program, len(state_names), len(mutations))
    graph, random_draws = hoist_random_draws(graph)
    bounded_outputs = ()
    if has_data_dependent_shapes(graph):
        graph, bounded_outputs = pad_data_dependent_results(graph)
    result_examples = tuple(r.meta["val"] for r in next(n for n in graph.nodes if n.op == "output").args[0])
    if has_complex_values(graph):
        graph = complex_as_real(graph)
    _check_importable_dtypes(graph)
    importer = FxImporter(context=context)
    try:
        importer.import_stateless_graph(graph, func_name=function_name)
    except Exception as error:  # torch-mlir's importer raises bare NotImplementedError and the like
        raise FrontendError(
            f"torch-mlir could not import the program: {type(error).__name__}: "
            f"{str(error)[:160]}\n{_symbolic_hint(graph)}") from None
    user_inputs = len(kinds) - len(state_names) - len(scalar_inputs)
    return ImportedProgram(importer.module, function_name, state_names, user_inputs, mutations,
                           scalar_inputs, constant_outputs, scalar_outputs, random_draws,
                           bounded_outputs, result_examples)


def _symbolic_hint(graph: torch.fx.Graph) -> str:
    """Where the program computes with Python scalars read from tensors, which Kiln
    cannot compile, or a generic hint."""
    for node in graph.nodes:
        if node.op == "call_function" and not isinstance(node.target, torch._ops.OpOverload) \
                and node.target is not operator.getitem:
            where = user_line_of_stack(node.meta.get("stack_trace"))
            return (f"{where + ': ' if where else ''}the program computes with a Python value "
                    f"read from a tensor ({getattr(node.target, '__name__', node.target)}); "
                    "return the tensor instead, or keep this part in eager PyTorch")
    return "Kiln compiles what torch-mlir's importer takes; keep this part in eager PyTorch"


def _check_importable_dtypes(graph: torch.fx.Graph) -> None:
    """Refuse, naming the op and the user's line, a tensor or a dtype argument that
    torch-mlir's importer has no type for (complex128, uint64, ...); it would fail with a
    bare KeyError deep inside the importer."""
    for node in graph.nodes:
        made = [v.dtype for v in pytree.tree_leaves(node.meta.get("val")) if isinstance(v, torch.Tensor)]
        arguments = [v for v in pytree.tree_leaves((node.args, node.kwargs)) if isinstance(v, torch.dtype)]
        unsupported = ([d for d in made if d not in TORCH_DTYPE_TO_MLIR_TYPE_ASM]
                       + [d for d in arguments if d not in TORCH_DTYPE_TO_INT])
        if unsupported:
            where = user_line_of_stack(node.meta.get("stack_trace"))
            op = node.target if node.op == "call_function" else node.name
            raise FrontendError(
                f"{where + ': ' if where else ''}{op} uses {unsupported[0]}, a dtype Kiln "
                "does not support yet; keep this part of the program in eager PyTorch")


def _tensors_only(program: ExportedProgram, state_count: int, mutation_count: int):
    """The graph without its Python scalar inputs and constant results, which
    ``torch.export`` specialized (a scalar input's value is baked into the graph), with
    each Python scalar result (``x.item()``) returned as the tensor it comes from, and
    with its error checks turned into NaN results.

    The graph is copied, with its module (the importer reads tensor constants from it),
    only when there is something to change.
    """
    scalar_inputs = tuple(_scalar_inputs(program.graph, state_count))
    results = next(n for n in program.graph.nodes if n.op == "output").args[0]
    constant_outputs = tuple((position - mutation_count, value)
                             for position, value in enumerate(results)
                             if not isinstance(value, torch.fx.Node))
    node_results = [r for r in results if isinstance(r, torch.fx.Node)]
    scalar_results = tuple(position - mutation_count for position, result in enumerate(node_results)
                           if _is_scalar_result(result))
    has_checks = any(node.target in ERROR_CHECKS for node in program.graph.nodes)
    if has_checks and constant_outputs:
        raise FrontendError("a program with error checks (as linear algebra ops make) must "
                            "return only tensors: Kiln turns a failed check into NaN results")
    if not (scalar_inputs or constant_outputs or scalar_results or has_checks):
        return program.graph, scalar_inputs, constant_outputs, scalar_results
    graph = copy.deepcopy(program.graph_module).graph
    placeholders = [n for n in graph.nodes if n.op == "placeholder"][state_count:]
    for position, _ in scalar_inputs:
        graph.erase_node(placeholders[position])
    output = next(n for n in graph.nodes if n.op == "output")
    tensor_results = [r for r in output.args[0] if isinstance(r, torch.fx.Node)]
    read_scalars = [tensor_results[position + mutation_count] for position in scalar_results]
    output.args = ([r.args[0] if r in read_scalars else r for r in tensor_results],)
    for result in read_scalars:
        graph.erase_node(result)
    if has_checks:
        _failed_checks_as_nan(graph)
    return graph, scalar_inputs, constant_outputs, scalar_results


def _is_scalar_result(node: torch.fx.Node) -> bool:
    """Whether ``node`` is a Python scalar read from a tensor (``x.item()``) that only
    the program's output uses: the runtime then reads it from the tensor."""
    return node.target is torch.ops.aten._local_scalar_dense.default and len(node.users) == 1


def _failed_checks_as_nan(graph: torch.fx.Graph) -> None:
    """Replace the error checks by making every result of the program NaN when any
    check fails.

    Eager raises when a check fails (a singular matrix for ``inv``, one that is not
    positive-definite for ``cholesky``) and returns nothing. Compiled code cannot raise;
    NaN in every element of every result is the closest answer that can never pass for
    a real one. An integer result (LU pivots) holds its dtype's most negative value
    instead, never a valid pivot or index. A boolean result has no such value, so a
    program with one is refused.
    """
    output = next(n for n in graph.nodes if n.op == "output")
    results = output.args[0]
    if any(result.meta["val"].dtype == torch.bool for result in results):
        raise FrontendError("the program has a boolean result beside an error check (as "
                            "linear algebra ops make): Kiln turns a failed check into "
                            "NaN results, which a boolean cannot hold")
    failed = None
    with graph.inserting_before(output):
        for check in [n for n in graph.nodes if n.target in ERROR_CHECKS]:
            failing = _call(graph, ERROR_CHECKS[check.target], check.args[0], 0)
            failed_here = _call(graph, torch.ops.aten.any.default, failing)
            failed = failed_here if failed is None else _call(
                graph, torch.ops.aten.logical_or.default, failed, failed_here)
            graph.erase_node(check)
        output.args = (tuple(_call(graph, torch.ops.aten.where.ScalarSelf, failed,
                                   _failure_value(r.meta["val"].dtype), r)
                             for r in results),)


def _failure_value(dtype: torch.dtype):
    """What a result of ``dtype`` holds after a failed error check."""
    return float("nan") if dtype.is_floating_point else torch.iinfo(dtype).min


def _call(graph: torch.fx.Graph, op, *args) -> torch.fx.Node:
    """A new node calling ``op``, with the example value the importer types it by."""
    node = graph.call_function(op, args)
    node.meta["val"] = op(*(a.meta["val"] if isinstance(a, torch.fx.Node) else a for a in args))
    return node


def _scalar_inputs(graph, state_count: int):
    """(position, value) of each user input that is a Python scalar."""
    placeholders = [n for n in graph.nodes if n.op == "placeholder"][state_count:]
    for position, node in enumerate(placeholders):
        value = node.meta.get("val")
        if isinstance(value, torch.Tensor):
            continue
        if node.users or not isinstance(value, (bool, int, float)):
            raise FrontendError(f"input '{node.name}' is a {type(value).__name__} that the program "
                                "uses symbolically; Kiln compiles tensor inputs and Python "
                                "scalars that torch.export specializes")
        yield position, value


MUTATION_KINDS = {OutputKind.BUFFER_MUTATION: "state", OutputKind.PARAMETER_MUTATION: "state",
                  OutputKind.USER_INPUT_MUTATION: "input"}


def _mutations(program: ExportedProgram, state_names: tuple[str, ...]) -> tuple:
    """Where each in-place update goes: the exported graph computes a mutated buffer's or
    input's new value as one of its leading results (its graph signature says which)."""
    signature = program.graph_signature
    user_inputs = [s.arg.name for s in signature.input_specs if s.kind == InputKind.USER_INPUT]
    mutations, seen_user_output = [], False
    for spec in signature.output_specs:
        if spec.kind == OutputKind.USER_OUTPUT:
            seen_user_output = True
            continue
        if spec.kind not in MUTATION_KINDS or seen_user_output:
            raise FrontendError(f"the exported program has a {spec.kind.name} result, which "
                                "Kiln does not support; compile a module in inference form")
        kind = MUTATION_KINDS[spec.kind]
        names = state_names if kind == "state" else user_inputs
        mutations.append((kind, names.index(spec.target)))
    return tuple(mutations)


def state_tensors(program: ExportedProgram, names: tuple[str, ...]) -> list[torch.Tensor]:
    """The parameter, buffer and constant tensors that lead the argument list."""
    values = {**program.state_dict, **program.constants}
    return [values[name] for name in names]


class _FunctionModule(torch.nn.Module):
    """Wraps a plain function so that ``torch.export`` can trace it.

    ``torch.export`` keeps only stack frames named ``forward`` in an op's stack trace,
    which becomes its location. The module's ``forward`` is therefore the user's own
    function under that name (same code, file and lines), so errors point at the
    user's line.
    """

    def __init__(self, fn):
        super().__init__()
        if isinstance(fn, types.FunctionType):
            self.forward = _renamed(fn, "forward")
        else:  # a builtin such as torch.exp has no code to rename

            def forward(*args):
                return fn(*args)

            self.forward = forward


def _renamed(fn: types.FunctionType, name: str) -> types.FunctionType:
    code = fn.__code__.replace(co_name=name)
    renamed = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    renamed.__kwdefaults__ = fn.__kwdefaults__
    return renamed
