"""Input that crashes MLIR's own parser, found in the text before the parser sees it.

Upstream ``linalg.generic``'s custom-form parser reads ``iterator_types`` as an array of
strings with an unchecked cast (``ArrayAttr::getAsValueRange<StringAttr>``): an element
of another kind (``1``, ``#linalg.iterator_type<parallel>``, a nested array) is read as
a string anyway, which ends in ``std::bad_alloc`` or a segmentation fault. The generic
form (``"linalg.generic"(...) <{...}>``) checks its properties and is safe.
"""

import re
from dataclasses import dataclass

from torch_mlir import ir

from ..dialect.context import make_context

_CUSTOM_GENERIC = re.compile(r"(?<![\"\w.])linalg\.generic\s*\{")
_ITERATOR_TYPES = re.compile(r"(?<![\w.$])iterator_types\s*=\s*")
_ALIAS = re.compile(r"^\s*(#[\w.$-]+)\s*=\s*(.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ParseHazard:
    """Text MLIR's parser would crash on, at 1-based ``line`` and ``column``."""

    line: int
    column: int
    message: str


def parse_hazards(text: str) -> list[ParseHazard]:
    """Every ``iterator_types`` of a custom-form ``linalg.generic`` in ``text`` that is an
    array with an element other than a string."""
    generics = list(_CUSTOM_GENERIC.finditer(text))
    if not generics:
        return []
    context = make_context()  # its own: a value that does not parse reports nothing
    context.attach_diagnostic_handler(lambda _: True)
    aliases = dict(_ALIAS.findall(text))
    hazards = []
    for generic in generics:
        close = _closing_brace(text, generic.end() - 1)
        key = _ITERATOR_TYPES.search(text, generic.end(), close)
        if key is None:
            continue
        value = text[key.end():_value_end(text, key.end(), close)].strip()
        attribute = _parse(aliases.get(value, value), context)
        if isinstance(attribute, ir.ArrayAttr) and not all(
                isinstance(element, ir.StringAttr) for element in attribute):
            line = text.count("\n", 0, key.start()) + 1
            column = key.start() - text.rfind("\n", 0, key.start())
            hazards.append(ParseHazard(
                line, column,
                "custom op 'linalg.generic' expects 'iterator_types' to be an array of "
                f"strings such as [\"parallel\", \"reduction\"], got {value} (MLIR's parser "
                "would crash on it)"))
    return hazards


def _parse(text: str, context: ir.Context) -> ir.Attribute | None:
    try:
        return ir.Attribute.parse(text, context)
    except ir.MLIRError:  # not an attribute: MLIR's parser reports it, safely
        return None


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
    return len(text)


def _value_end(text: str, start: int, limit: int) -> int:
    """The end of the attribute value at ``start``: a top-level ``,`` or ``limit``."""
    depth = 0
    for position in range(start, limit):
        char = text[position]
        if char in "[(<":
            depth += 1
        elif char in "])>" and not text.startswith("->", position - 1):
            depth -= 1
        elif char == "," and depth == 0:
            return position
    return limit
