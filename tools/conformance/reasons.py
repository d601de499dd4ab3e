"""One-line reasons for failures, short enough for a table cell."""

import re

_SOURCE_PREFIX = re.compile(r'^("?)\S+\.py\1:\d+(:\d+)?: ')
_MLIR_ERROR = re.compile(r"^error: ")


def one_line(message: str, limit: int = 110) -> str:
    """The telling line of an error message, without a leading ``file.py:line:``, cut short.

    A pass-pipeline failure's first line only says that the pipeline failed; its
    ``error:`` line says why, so that one is preferred.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    line = next((line for line in lines if _MLIR_ERROR.match(line)), lines[0] if lines else "")
    line = _SOURCE_PREFIX.sub("", _MLIR_ERROR.sub("", line))
    return line if len(line) <= limit else line[: limit - 1] + "…"
