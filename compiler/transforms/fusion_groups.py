"""Decides which kiln ops share a kernel; ``kiln-fuse`` then builds the kernels.

The rules and the cost model are described in the ``kiln-fuse`` pass docstring.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from torch_mlir import ir

from ..dialect.kernel import MAX_KERNEL_INPUTS, MAX_KERNEL_RESULTS
from ..ir.byte_sizes import byte_size
from .op_classes import FREE_CLASSES, OpClass, classify


@dataclass(frozen=True)
class FusionOptions:
    """Which kinds of fusion are on; turning one off helps to bisect a miscompile."""

    elementwise: bool = True
    reductions: bool = True
    epilogues: bool = True


@dataclass(eq=False)
class Group:
    """Ops that will run as one kernel, in program order."""

    ops: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    members: set = field(default_factory=set)  # the ops, as ir.Operation
    inputs: set = field(default_factory=set)  # values the kernel receives
    producers: set = field(default_factory=set)
    contraction: ir.Operation | None = None
    reduction: tuple | None = None  # (input shape, reduced dimensions) shared by its reductions
    reduces_everything: bool = False
    opaque: bool = False
    target: str = ""  # the target its kernel runs on: ops placed on different ones never share

    def add(self, op, position: int, inputs: set) -> None:
        self.ops.append(op)
        self.positions.append(position)
        self.members.add(op.operation)
        self.inputs = self.inputs_with(inputs)
        kind = classify(op)
        if kind is OpClass.CONTRACTION:
            self.contraction = op.operation
        elif kind is OpClass.REDUCTION:
            self.reduction = reduction_signature(op)
            self.reduces_everything = len(self.reduction[1]) == len(self.reduction[0])
        elif kind in (OpClass.OPAQUE, OpClass.HOST):
            self.opaque = True

    def absorb(self, other: "Group") -> None:
        merged = sorted(zip(self.positions + other.positions, self.ops + other.ops),
                        key=lambda pair: pair[0])
        self.positions = [p for p, _ in merged]
        self.ops = [op for _, op in merged]
        self.members |= other.members
        self.inputs = self.inputs_with(other.inputs)
        self.producers = (self.producers | other.producers) - {self, other}

    def results_with(self, ops: list) -> int:
        """How many values the kernel would return if it also held ``ops``."""
        members = self.members | {op.operation for op in ops}
        return sum(escapes(result, members) for op in self.ops + ops for result in op.results)

    def fits(self, ops: list, inputs: set) -> bool:
        """Whether the kernel stays within the input and result slots with ``ops`` added."""
        return (len(self.inputs_with(inputs)) <= MAX_KERNEL_INPUTS
                and self.results_with(ops) <= MAX_KERNEL_RESULTS)

    def inputs_with(self, values: set) -> set:
        """The kernel's inputs if it also had to compute from ``values``."""
        return {v for v in self.inputs | values
                if isinstance(v.owner, ir.Block) or v.owner.operation not in self.members}

    def is_elementwise_only(self) -> bool:
        return not (self.contraction or self.reduction or self.opaque)


def reduction_signature(op) -> tuple:
    shape = tuple(ir.ShapedType(op.operands[0].type).shape)
    return shape, tuple(sorted(op.attributes["dimensions"]))


def form_groups(function: ir.Operation, options: FusionOptions,
                place: Callable[[ir.OpView], str]) -> list[tuple[list, str]]:
    """The kernels of ``function``'s body as lists of ops with the target each runs on,
    in an order that runs them; ``place`` says which target can run an op."""
    block = function.regions[0].blocks[0]
    group_of: dict[ir.Operation, Group] = {}
    groups: list[Group] = []
    for position, op in enumerate(list(block.operations)[:-1]):
        if classify(op) in FREE_CLASSES:
            continue
        inputs = {v for operand in op.operands for v in kernel_inputs(operand)}
        sources = _source_groups(inputs, group_of)
        target = place(op)
        group = next((g for g in sorted(sources, key=lambda g: -sources[g])
                      if g.target == target and _may_join(op, g, sources, options)
                      and g.fits([op], inputs)), None)
        if group is None:
            group = Group(target=target)
            groups.append(group)
        group.add(op, position, inputs)
        group.producers |= set(sources) - {group}
        group_of[op.operation] = group
    _merge_exclusive_producers(groups, group_of, options)
    return [(g.ops, g.target) for g in _topological(groups)]


def _source_groups(inputs: set, group_of: dict) -> dict:
    """The groups that compute ``inputs``, each with the bytes it would pass."""
    sources: dict[Group, int] = {}
    for value in inputs:
        if not isinstance(value.owner, ir.Block):
            group = group_of[value.owner.operation]
            sources[group] = sources.get(group, 0) + byte_size(value.type)
    return sources


def kernel_inputs(value: ir.Value, members: frozenset = frozenset()) -> Iterator[ir.Value]:
    """The values a kernel holding ``members`` must receive to compute ``value``.

    Views and literals are followed to what they read, because they are cloned into
    the kernel instead of being passed in.
    """
    producer = value.owner
    if isinstance(producer, ir.Block):
        yield value
    elif producer.operation in members:
        return
    elif classify(producer) in FREE_CLASSES:
        for operand in producer.operands:
            yield from kernel_inputs(operand, members)
    else:
        yield value


def _may_join(op, group: Group, sources: dict, options: FusionOptions) -> bool:
    if group.opaque or group.reduces_everything:
        return False
    if any(_depends_on(other, group) for other in sources if other is not group):
        return False
    kind = classify(op)
    if kind in (OpClass.ELEMENTWISE, OpClass.INJECTIVE):
        return _allowed_into(group, options)
    if kind is OpClass.REDUCTION:
        return (options.reductions and group.contraction is None
                and group.reduction in (None, reduction_signature(op)))
    return False


def _depends_on(group: Group, ancestor: Group) -> bool:
    pending, seen = [group], set()
    while pending:
        current = pending.pop()
        if current is ancestor:
            return True
        if current not in seen:
            seen.add(current)
            pending.extend(current.producers)
    return False


def _merge_exclusive_producers(groups: list, group_of: dict, options: FusionOptions) -> None:
    """Merges an elementwise group into its only consumer group, when that is legal.

    A mask computed from an input (``~mask``) that feeds one attention epilogue, say,
    would otherwise be a kernel of its own.
    """
    changed = True
    while changed:
        changed = False
        for producer in list(groups):
            consumer = _only_consumer(producer, group_of)
            if (consumer is None or not producer.is_elementwise_only()
                    or consumer.target != producer.target
                    or not _allowed_into(consumer, options)
                    or not consumer.fits(producer.ops, producer.inputs)):
                continue
            consumer.absorb(producer)
            for op in producer.ops:
                group_of[op.operation] = consumer
            for other in groups:
                if producer in other.producers:
                    other.producers = (other.producers - {producer}) | {consumer}
                    other.producers.discard(other)
            groups.remove(producer)
            changed = True


def _only_consumer(producer: Group, group_of: dict) -> Group | None:
    members = producer.members
    consumers = set()
    for op in producer.ops:
        for result in op.results:
            for user in _computing_users(result, frozenset()):
                if user is None or _is_contraction_of_its_group(user, group_of):
                    return None
                if user.operation not in members:
                    consumers.add(group_of[user.operation])
    return consumers.pop() if len(consumers) == 1 else None


def _is_contraction_of_its_group(user, group_of: dict) -> bool:
    contraction = group_of[user.operation].contraction
    return contraction is not None and contraction == user.operation


def _computing_users(value: ir.Value, members: frozenset) -> Iterator:
    """The ops that read ``value``, seen through views that are not ``members``.

    A return yields ``None``.
    """
    for use in value.uses:
        user = use.owner
        if user.operation.name == "func.return":
            yield None
        elif classify(user) in FREE_CLASSES and user.operation not in members:
            for result in user.results:
                yield from _computing_users(result, members)
        else:
            yield user


def escapes(value: ir.Value, members: set) -> bool:
    """Whether ``value`` is needed outside the kernel holding ``members``."""
    return any(user is None or user.operation not in members
               for user in _computing_users(value, members))


def _allowed_into(consumer: Group, options: FusionOptions) -> bool:
    if consumer.opaque:
        return False
    if consumer.contraction is not None:
        return options.epilogues
    return options.reductions if consumer.reduction else options.elementwise


def _topological(groups: list) -> list:
    """Groups ordered so each comes after its producers; ties keep program order."""
    ordered, placed = [], set()
    remaining = sorted(groups, key=lambda g: g.positions[0])
    while remaining:
        ready = next(g for g in remaining if g.producers <= placed)
        ordered.append(ready)
        placed.add(ready)
        remaining.remove(ready)
    return ordered
