"""Textual pass pipelines that mix Kiln's Python passes with upstream MLIR passes.

A pipeline reads like MLIR's, e.g.
``builtin.module(convert-torch-to-kiln, func.func(canonicalize), cse)``. Upstream MLIR
cannot parse Python passes inside such a string, so this module splits the top level
itself: a Kiln pass is added with ``PassManager.add(callable)``, an alias from
:data:`PIPELINE_ALIASES` is expanded in place, and each run of consecutive upstream
elements is handed to ``PassManager.add(text)`` in one piece.
"""

import difflib
import re
from dataclasses import dataclass

from torch_mlir import ir, passmanager

from kiln.runtime.errors import KilnError

from ..passes.registry import PASSES, PassFailures, as_external_pass, instantiate, summary


class PipelineError(KilnError):
    """A pipeline string names an unknown pass, has bad options or is malformed."""


@dataclass(frozen=True)
class PipelineAlias:
    """A named Kiln pipeline: ``text`` is spliced in wherever ``name`` appears."""

    name: str
    text: str
    summary: str


PIPELINE_ALIASES: dict[str, PipelineAlias] = {}

_UNREGISTERED = re.compile(r"'([^']+)' does not refer to a registered pass")


def register_pipeline_alias(name: str, text: str, summary: str) -> None:
    """Make ``name`` usable in pipelines (and as a ``kiln-opt --name`` flag) for ``text``."""
    if name in PASSES:
        raise ValueError(f"pipeline alias '{name}' would hide the pass of the same name")
    PIPELINE_ALIASES[name] = PipelineAlias(name, text, summary)


@dataclass(frozen=True)
class Element:
    """One pipeline element: ``name``, ``name{options}`` or ``name(nested, ...)``."""

    text: str
    name: str
    options: str | None
    nested: str | None


def split_elements(text: str) -> list[Element]:
    """Split pipeline text at its top-level commas, respecting ``()``, ``{}`` and quotes."""
    pieces, depth, start, quoted = [], 0, 0, False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
            if depth < 0:
                raise PipelineError(f"unbalanced '{char}' at column {i + 1} of pipeline '{text}'")
        elif char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    if depth or quoted:
        raise PipelineError(f"unclosed bracket or quote in pipeline '{text}'")
    pieces.append(text[start:])
    return [_element(piece.strip(), text) for piece in pieces if piece.strip()]


def _element(piece: str, pipeline: str) -> Element:
    cut = min((i for i in (piece.find("{"), piece.find("(")) if i >= 0), default=len(piece))
    name, rest = piece[:cut].strip(), piece[cut:].strip()
    if not name:
        raise PipelineError(f"missing pass name before '{rest}' in pipeline '{pipeline}'")
    if not rest:
        return Element(piece, name, None, None)
    if rest[0] == "{" and rest.endswith("}"):
        return Element(piece, name, rest[1:-1].strip(), None)
    if rest[0] == "(" and rest.endswith(")"):
        return Element(piece, name, None, rest[1:-1])
    raise PipelineError(f"cannot parse pipeline element '{piece}'")


def expand(text: str, _seen: tuple[str, ...] = ()) -> list[Element]:
    """The top-level elements of ``text`` with the ``builtin.module(...)`` wrapper removed
    and every alias replaced by its own elements, recursively."""
    elements = split_elements(text)
    if (
        len(elements) == 1
        and elements[0].name == "builtin.module"
        and elements[0].nested is not None
    ):
        elements = split_elements(elements[0].nested)
    expanded = []
    for element in elements:
        alias = PIPELINE_ALIASES.get(element.name)
        if alias is None:
            expanded.append(element)
            continue
        if element.options is not None or element.nested is not None:
            raise PipelineError(f"pipeline alias '{alias.name}' takes no options")
        if alias.name in _seen:
            cycle = " -> ".join(_seen + (alias.name,))
            raise PipelineError(f"pipeline alias '{alias.name}' expands to itself: {cycle}")
        expanded.extend(expand(alias.text, _seen + (alias.name,)))
    return expanded


def build_pass_manager(
    pipeline_text: str, context: ir.Context
) -> tuple[passmanager.PassManager, PassFailures]:
    """A PassManager on ``builtin.module`` running ``pipeline_text``, and the record its
    Kiln passes fill with the errors they raise."""
    failures = PassFailures()
    pm = passmanager.PassManager("builtin.module", context)
    upstream: list[Element] = []
    for element in expand(pipeline_text):
        if element.name in PASSES:
            _add_upstream(pm, upstream)
            upstream = []
            _add_kiln_pass(pm, element, failures)
        else:
            _reject_nested_kiln_passes(element)
            upstream.append(element)
    _add_upstream(pm, upstream)
    return pm, failures


def _add_kiln_pass(pm: passmanager.PassManager, element: Element, failures: PassFailures) -> None:
    if element.nested is not None:
        raise PipelineError(f"Kiln pass '{element.name}' cannot contain nested passes")
    cls = PASSES[element.name]
    try:
        pass_object = instantiate(element.name, element.options or "")
    except ValueError as error:  # an option value of the wrong type
        raise PipelineError(
            f"bad options '{element.options}' for pass '{element.name}': {error}"
        ) from None
    pm.add(
        as_external_pass(pass_object, failures),
        name=cls.__name__,
        argument=element.name,
        description=summary(cls),
    )


def _add_upstream(pm: passmanager.PassManager, elements: list[Element]) -> None:
    if not elements:
        return
    text = ", ".join(element.text for element in elements)
    try:
        pm.add(text)
    except ValueError as error:
        raise PipelineError(_explain_upstream_error(str(error))) from None


def _explain_upstream_error(message: str) -> str:
    unknown = _UNREGISTERED.search(message)
    if unknown is None:
        return f"invalid pass pipeline: {message.strip()}"
    name = unknown.group(1)
    close = difflib.get_close_matches(name, sorted(PASSES) + sorted(PIPELINE_ALIASES), n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"unknown pass or pipeline '{name}'.{hint}\n"
        "`kiln-opt --list-passes` lists Kiln's passes and pipelines; passes registered "
        "with upstream MLIR are accepted too."
    )


def _reject_nested_kiln_passes(element: Element) -> None:
    if element.nested is None:
        return
    for inner in split_elements(element.nested):
        if inner.name in PASSES or inner.name in PIPELINE_ALIASES:
            raise PipelineError(
                f"Kiln pass or pipeline '{inner.name}' is nested under '{element.name}'; "
                "Kiln's Python passes only run at the top level of a pipeline (on the module)"
            )
        _reject_nested_kiln_passes(inner)
