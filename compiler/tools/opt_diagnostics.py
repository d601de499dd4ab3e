"""Diagnostics in ``kiln-opt``: flattening MLIR's, printing them like ``mlir-opt``, and
``--verify-diagnostics``, which matches them against ``expected-*`` comments.

An expectation sits in a comment on the line it is about, or names a line relative to
its own with ``@+N``/``@-N``; the text between ``{{`` and ``}}`` must occur in the
message::

    // expected-error @+1 {{'kiln.exp' op expects a floating-point operand}}
    %0 = "kiln.exp"(%arg0) : (tensor<2xi64>) -> tensor<2xi64>
"""

import re
from dataclasses import dataclass

from torch_mlir import ir

_EXPECTED = re.compile(r"expected-(error|warning|remark|note)\s*(?:@([+-]\d+))?\s*\{\{(.*?)\}\}")


@dataclass(frozen=True)
class Reported:
    """One diagnostic; ``line`` and ``column`` are ``None`` when it has no file position."""

    severity: str
    file: str | None
    line: int | None
    column: int | None
    message: str
    location: str


@dataclass
class Expected:
    """One ``expected-<severity> {{text}}`` comment and the line it is about."""

    severity: str
    line: int
    text: str
    matched: bool = False


def flatten(info: ir.DiagnosticInfo, input_name: str) -> list[Reported]:
    """The diagnostic and its notes, with the parser's source name ``-`` replaced by
    ``input_name``."""
    file_line_col = _file_position(info.location)
    if file_line_col is None:
        file, line, column = None, None, None
    else:
        file, line, column = file_line_col
        file = input_name if file == "-" else file
    reported = [
        Reported(info.severity.name.lower(), file, line, column, info.message, str(info.location))
    ]
    for note in info.notes:
        reported += flatten(note, input_name)
    return reported


def anchored(reported: list[Reported], input_name: str, line: int) -> list[Reported]:
    """``reported`` with each diagnostic that names no file position (an op the input
    gave ``loc(unknown)``, a failure MLIR reported without a location) placed at
    ``line`` of the input, its own location kept in the message."""
    return [diagnostic if diagnostic.line is not None else
            Reported(diagnostic.severity, input_name, line, 1,
                     f"{diagnostic.message} [reported at {diagnostic.location}]", diagnostic.location)
            for diagnostic in reported]


def _file_position(location: ir.Location) -> tuple[str, int, int] | None:
    location = _downcast(location)
    if isinstance(location, ir.FileLineColLoc):
        return location.filename, location.start_line, location.start_col
    if isinstance(location, ir.CallSiteLoc):
        return _file_position(location.callee)
    if isinstance(location, ir.NameLoc):
        return _file_position(location.child_loc)
    if isinstance(location, ir.FusedLoc):
        for inner in location.locations:
            if (position := _file_position(inner)) is not None:
                return position
    return None


def _downcast(location: ir.Location) -> ir.Location:
    """Diagnostics carry plain ``Location`` objects; the subclasses expose the fields."""
    for kind in (ir.FileLineColLoc, ir.CallSiteLoc, ir.NameLoc, ir.FusedLoc):
        try:
            return kind(location)
        except ValueError:
            continue
    return location


def render(diagnostic: Reported, input_name: str, source_lines: list[str]) -> str:
    """``FILE:LINE:COL: error: message``, then the source line and a caret when the
    diagnostic points into the input."""
    if diagnostic.line is None:
        return f"{diagnostic.location}: {diagnostic.severity}: {diagnostic.message}\n"
    text = (
        f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.severity}: {diagnostic.message}\n"
    )
    if diagnostic.file == input_name and 0 < diagnostic.line <= len(source_lines):
        source = source_lines[diagnostic.line - 1].rstrip("\n")
        text += f"{source}\n{' ' * max(diagnostic.column - 1, 0)}^\n"
    return text


def parse_expected(source: str) -> list[Expected]:
    """Every expectation in ``source``, with the absolute line it refers to."""
    expected = []
    for number, line in enumerate(source.splitlines(), start=1):
        for match in _EXPECTED.finditer(line):
            severity, offset, text = match.groups()
            expected.append(Expected(severity, number + int(offset or 0), text))
    return expected


def verify(expected: list[Expected], reported: list[Reported], input_name: str) -> list[str]:
    """Match each reported diagnostic to an expectation; return one error line for each
    unexpected diagnostic and each expectation nothing matched."""
    problems = []
    for diagnostic in reported:
        # mlir-opt does not attach this note under --verify-diagnostics; we cannot turn
        # it off through the Python bindings, so it is dropped here.
        if diagnostic.severity == "note" and diagnostic.message.startswith("see current operation"):
            continue
        match = next(
            (
                e
                for e in expected
                if not e.matched
                and e.severity == diagnostic.severity
                and diagnostic.file == input_name
                and e.line == diagnostic.line
                and e.text in diagnostic.message
            ),
            None,
        )
        if match is None:
            where = (
                f"{diagnostic.file}:{diagnostic.line}:{diagnostic.column}"
                if diagnostic.line is not None
                else diagnostic.location
            )
            problems.append(
                f"{where}: error: unexpected {diagnostic.severity}: {diagnostic.message}"
            )
        else:
            match.matched = True
    for e in expected:
        if not e.matched:
            problems.append(
                f'{input_name}:{e.line}: error: expected {e.severity} "{e.text}" was not produced'
            )
    return problems
