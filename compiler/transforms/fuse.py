"""The ``kiln-fuse`` pass: groups kiln ops into ``kiln.kernel`` regions, one launch each."""

from dataclasses import dataclass, field
from typing import ClassVar

from torch_mlir import ir

from kiln import targets

from ..diagnostics import InternalCompilerError, InvalidIRError
from ..dialect.kernel import MAX_KERNEL_INPUTS, MAX_KERNEL_RESULTS, build_kernel, build_yield
from ..passes.registry import register_pass
from .fusion_groups import FusionOptions, escapes, form_groups, kernel_inputs
from .op_classes import FREE_CLASSES, OpClass, classify

CPU_TARGET = targets.CPU.name


@register_pass
@dataclass
class KilnFuse:
    """Fuse kiln ops into kiln.kernel regions, one kernel launch each.

    Ops are classified as views (broadcast, reshape, transpose, slice), literals
    (constant, iota), elementwise (unary, binary, compare, select, cast), injective
    (concat, pad, gather), reductions and contractions (matmul, batch_matmul, conv2d).
    Views and literals never form kernels of their own: they are cloned into every
    kernel that reads them, where they become indexing, not copies.

    Every other op visits the kernels of its producers in order of the bytes of memory
    traffic a merge would save (an intermediate that no longer makes a round trip
    through memory), and joins the first one where merging is legal:
    - elementwise and injective ops join anything: chains, reduction consumers and
      contraction epilogues (bias, activation, residual add, scale);
    - a reduction joins elementwise producers and reductions over the same dimensions
      of the same shape, so softmax and layer_norm become one kernel that works row
      by row;
    - a contraction always starts a kernel: fusing a producer into it would recompute
      that producer once for every output column;
    - nothing joins a kernel whose reduction reduces every dimension (that would
      serialize a parallel reduction), or a kernel it depends on through another;
    - a ``kiln.fallback`` stays in the host function, between the kernels, and views
      or literals it reads get kernels that materialize them.
    Afterwards, a producer kernel of elementwise ops whose every result is consumed by
    one other kernel, and not by that kernel's contraction, is merged into it. No
    compute op is ever duplicated, so the compute-duplication side of the cost model is
    zero for every merge the rules allow.

    Options turn kinds of fusion off for debugging: ``elementwise``, ``reductions``,
    ``epilogues``; with all three off, every compute op is its own kernel.

        %1 = "kiln.exp"(%x) : (tensor<8xf32>) -> tensor<8xf32>
        %2 = "kiln.mul"(%1, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
      becomes
        %2 = "kiln.kernel"(%x) ({
        ^bb0(%a: tensor<8xf32>):
          %1 = "kiln.exp"(%a) ...
          %3 = "kiln.mul"(%1, %a) ...
          "kiln.yield"(%3) ...
        }) {sym_name = "forward_kernel_0", target = "cpu"} ...

    Each kernel records the target it runs on: ``target``, or the CPU for ops that
    ``target``'s capabilities exclude when it partitions to the CPU (such ops never
    share a kernel with the target's own).
    """

    argument: ClassVar[str] = "kiln-fuse"
    elementwise: bool = True
    reductions: bool = True
    epilogues: bool = True
    target: str = "cpu"

    def run(self, module: ir.Operation) -> None:
        options = FusionOptions(self.elementwise, self.reductions, self.epilogues)
        place = _placement(self.target)
        for function in _functions(module):
            _check_input(function)
            _KernelBuilder(function, self.target).build(form_groups(function, options, place))


def _check_input(function) -> None:
    """Raise unless every op of ``function`` is a region-free op on ranked tensors, the
    form ``convert-torch-to-kiln`` produces and the only one fusion can group."""
    for op in function.regions[0].blocks[0].operations:
        values = [*op.operands, *op.results]
        other = next((v.type for v in values if not isinstance(v.type, ir.RankedTensorType)), None)
        if other is not None or len(op.regions):
            found = f"a value of type {other}" if other is not None else "a region"
            raise InvalidIRError(f"kiln-fuse groups ops on ranked tensors; "
                                 f"'{op.operation.name}' has {found}", op.location)


def _placement(target: str):
    """Which target runs an op: ``target``, or the CPU for an op ``target`` cannot run
    when it partitions to the CPU (otherwise the driver refuses the op, naming it)."""
    from ..targets.capabilities import capabilities_of  # the targets import the stages, and so this pass

    capabilities = capabilities_of(target)
    if not capabilities.partitions_to_cpu:
        return lambda op: target
    return lambda op: CPU_TARGET if capabilities.refusal(op) else target


def _functions(module: ir.Operation) -> list:
    """The single-block functions not fused yet (running the pass twice changes nothing)."""
    return [op for op in module.regions[0].blocks[0].operations
            if op.operation.name == "func.func" and len(op.regions[0].blocks) == 1
            and not any(inner.operation.name == "kiln.kernel"
                        for inner in op.regions[0].blocks[0].operations)]


@dataclass
class _KernelBuilder:
    """Replaces each group of ops in ``function`` with one ``kiln.kernel``."""

    function: ir.Operation
    target: str  # the compiling target: where kernels that materialize a result run
    outside: dict = field(default_factory=dict)  # original value -> value in the host
    count: int = 0

    def build(self, groups: list[list[ir.Operation]]) -> None:
        block = self.function.regions[0].blocks[0]
        original = list(block.operations)
        terminator = original[-1]
        for group, target in groups:
            self._emit(group, terminator, target)
        for index, value in enumerate(terminator.operands):
            terminator.operands[index] = self._host_value(value, terminator)
        for op in reversed(original[:-1]):
            op.erase()

    def _emit(self, group: list, terminator, target: str | None = None) -> None:
        if classify(group[0]) is OpClass.HOST:
            self._emit_host_op(group[0], terminator)
            return
        members = {op.operation for op in group}
        inputs: list[ir.Value] = []
        for op in group:
            for operand in op.operands:
                for base in kernel_inputs(operand, members):
                    if base not in inputs:
                        inputs.append(base)
        results = [r for op in group for r in op.results if escapes(r, members)]
        name = self._next_name()
        if len(inputs) > MAX_KERNEL_INPUTS or len(results) > MAX_KERNEL_RESULTS:
            raise InternalCompilerError(  # form_groups keeps merges within the slots; one op fits
                f"kiln-fuse: kernel {name} would take {len(inputs)} inputs and produce "
                f"{len(results)} results, more than a kiln.kernel holds "
                f"({MAX_KERNEL_INPUTS} and {MAX_KERNEL_RESULTS})")
        with ir.InsertionPoint(terminator), group[0].location:
            kernel = build_kernel([self.outside.get(v, v) for v in inputs],
                                  [r.type for r in results], name, target or self.target)
        body = kernel.regions[0].blocks[0]
        inside = dict(zip(inputs, body.arguments))
        with ir.InsertionPoint(body), group[-1].location:
            for op in group:
                self._clone_into(op, inside)
            build_yield([inside[r] for r in results])
        self.outside.update(zip(results, kernel.results))

    def _emit_host_op(self, op, terminator) -> None:
        """Clones ``op`` into the host function, reading kernel results and arguments."""
        operands = [self._host_value(v, terminator) for v in op.operands]
        clone = op.operation.clone(ir.InsertionPoint(terminator))
        for index, operand in enumerate(operands):
            clone.operands[index] = operand
        self.outside.update(zip(op.results, clone.results))

    def _clone_into(self, op, inside: dict) -> None:
        """Clones ``op`` at the insertion point, cloning its view and literal operands too."""
        for operand in op.operands:
            self._materialize(operand, inside)
        clone = op.operation.clone()
        for index, operand in enumerate(op.operands):
            clone.operands[index] = inside[operand]
        for old, new in zip(op.results, clone.results):
            inside[old] = new

    def _materialize(self, value: ir.Value, inside: dict) -> None:
        if value in inside:
            return
        producer = value.owner
        if isinstance(producer, ir.Block) or classify(producer) not in FREE_CLASSES:
            raise InternalCompilerError(f"kiln-fuse: {value.get_name()} reaches a kernel it "
                                        "was not passed to")
        self._clone_into(producer, inside)

    def _host_value(self, value: ir.Value, terminator) -> ir.Value:
        """The host-side value for a returned ``value``: a kernel result or an argument.

        A returned view or literal gets a kernel of its own that materializes it.
        """
        if value not in self.outside and not isinstance(value.owner, ir.Block):
            self._emit([value.owner], terminator)
        return self.outside.get(value, value)

    def _next_name(self) -> str:
        name = f"{self.function.attributes['sym_name'].value}_kernel_{self.count}"
        self.count += 1
        return name
