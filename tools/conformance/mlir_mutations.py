"""Seeded mutations of MLIR text, for fuzzing ``kiln-opt``.

Three kinds, each drawn from a ``random.Random``:

- lines: drop or duplicate a line, or replace one of its words by a token such as
  ``f32``, ``}`` or ``"kiln.exp"``;
- attributes: give an attribute a value of the wrong kind (an integer where an array is
  expected, a string, an empty array, a unit, an affine map), or drop it;
- structure: drop, empty or duplicate a region, drop an op's regions, or drop or
  duplicate a block.

Attribute and structure mutations work best on the generic form (``"op"(...) <{props}>
({regions}) {attrs}``), where every op spells its attributes and regions the same way.
"""

from __future__ import annotations

import random
import re

TOKENS = ("%0", "f32", "i1", "tensor<4xf32>", "memref<?xf32>", "{", "}", "0", "-1", "@f",
          '"kiln.exp"', "array<i64: 9>", "loc(unknown)", "")
WRONG_ATTRIBUTES = ("3 : i64", "-1 : i64", '"text"', "[]", "[1, 2]", "array<i64>",
                    "array<i64: 0, 0, 0, 0, 0>", "array<i32: 1>", "unit", "f32",
                    "affine_map<(d0) -> (d0)>", "dense<1.0> : tensor<2xf32>",
                    "[#linalg.iterator_type<parallel>]", "@f", "{}")
_ATTRIBUTE = re.compile(r"(?<![%\w#^!$.])([A-Za-z_][\w.$]*) = ")
_REGION_LIST = re.compile(r"\(\{")
_BLOCK_LABEL = re.compile(r"^(\s*)\^(\w+)")
_OPENERS, _CLOSERS = "([{<", ")]}>"


def mutated(text: str, generator: random.Random, count: int | None = None) -> str:
    """``text`` after ``count`` (default 1 to 3) mutations of any kind."""
    for _ in range(count or generator.randint(1, 3)):
        kind = generator.choice((_line_mutation, _attribute_mutation, _structure_mutation))
        text = kind(text, generator)
        if not text.strip():
            break
    return text if text.endswith("\n") else text + "\n"


def _line_mutation(text: str, generator: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    index = generator.randrange(len(lines))
    choice = generator.random()
    if choice < 0.3:
        del lines[index]
    elif choice < 0.5:
        lines.insert(index, lines[index])
    else:
        words = lines[index].split(" ")
        words[generator.randrange(len(words))] = generator.choice(TOKENS)
        lines[index] = " ".join(words)
    return "\n".join(lines) + "\n"


def _attribute_mutation(text: str, generator: random.Random) -> str:
    """One attribute's value replaced by one of another kind, or the attribute dropped."""
    matches = list(_ATTRIBUTE.finditer(text))
    if not matches:
        return _line_mutation(text, generator)
    match = generator.choice(matches)
    end = _value_end(text, match.end())
    if generator.random() < 0.25:
        after = end + 2 if text.startswith(", ", end) else end
        return text[: match.start()] + text[after:]
    return text[: match.end()] + generator.choice(WRONG_ATTRIBUTES) + text[end:]


def _value_end(text: str, start: int) -> int:
    """Where the attribute value starting at ``start`` ends: at the first ``,`` or
    closing bracket outside brackets and quotes (``->`` is not a bracket)."""
    depth, after_dash = 0, False
    for position, char in _unquoted(text, start):
        if after_dash and char == ">":
            after_dash = False
            continue
        after_dash = char == "-"
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            if depth == 0:
                return position
            depth -= 1
        elif char in ",\n" and depth == 0:
            return position
    return len(text)


def _unquoted(text: str, start: int):
    """The positions and characters of ``text`` from ``start`` on, outside string literals."""
    position, quoted = start, False
    while position < len(text):
        char = text[position]
        if quoted:
            if char == "\\":
                position += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        else:
            yield position, char
        position += 1


def _structure_mutation(text: str, generator: random.Random) -> str:
    """A region or block dropped, emptied or duplicated, or an op's regions dropped."""
    if generator.random() < 0.5:
        mutated_blocks = _block_mutation(text, generator)
        if mutated_blocks is not None:
            return mutated_blocks
    starts = [m.start() for m in _REGION_LIST.finditer(text)]
    if not starts:
        return _line_mutation(text, generator)
    start = generator.choice(starts)
    end = _closing(text, start)  # the ")" of "({...})"
    regions = _top_level_regions(text, start + 1, end)
    choice = generator.random()
    if choice < 0.25:
        return text[:start] + text[end + 1:]  # the op loses all its regions
    first, last = generator.choice(regions)
    region = text[first:last]
    if choice < 0.5:
        kept = [text[a:b] for a, b in regions if (a, b) != (first, last)]
        return text[: start + 1] + ", ".join(kept) + text[end:]
    if choice < 0.75:
        return text[:first] + "{\n}" + text[last:]
    return text[:last] + ", " + region + text[last:]


def _closing(text: str, start: int) -> int:
    """The index of the bracket that closes the one at ``start`` (quotes respected)."""
    depth = 0
    for position, char in _unquoted(text, start):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return position
    return len(text) - 1


def _top_level_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``(first, last)`` spans of the ``{...}`` regions between ``start`` and ``end``."""
    regions, position = [], start
    while position < end:
        if text[position] == "{":
            close = _closing(text, position)
            regions.append((position, close + 1))
            position = close + 1
        else:
            position += 1
    return regions


def _block_mutation(text: str, generator: random.Random) -> str | None:
    """A labelled block dropped, or duplicated under a new label; ``None`` if none."""
    lines = text.splitlines()
    labels = [i for i, line in enumerate(lines) if _BLOCK_LABEL.match(line)]
    if not labels:
        return None
    first = generator.choice(labels)
    indent = len(_BLOCK_LABEL.match(lines[first]).group(1))
    last = first + 1
    while last < len(lines):
        stripped = lines[last].lstrip()
        depth = len(lines[last]) - len(stripped)
        if (_BLOCK_LABEL.match(lines[last]) and depth == indent) or (
                stripped.startswith("}") and depth <= indent):
            break
        last += 1
    block = lines[first:last]
    if generator.random() < 0.5:
        return "\n".join(lines[:first] + lines[last:]) + "\n"
    name = _BLOCK_LABEL.match(block[0]).group(2)
    copy = [block[0].replace(f"^{name}", f"^{name}_copy", 1), *block[1:]]
    return "\n".join(lines[:last] + copy + lines[last:]) + "\n"
