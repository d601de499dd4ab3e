"""One-line reasons for failures, short enough for a table cell."""

import re

_SOURCE_PREFIX = re.compile(r'^("?)\S+\.py\1:\d+(:\d+)?: ')
_MLIR_ERROR = re.compile(r"^error: ")
_NOT_CLOSE = re.compile(r"are not (close|equal)!$")
_MISMATCH_DETAILS = ("Mismatched elements", "Greatest absolute difference")


def one_line(message: str, limit: int = 110) -> str:
    """The telling line of an error message, without a leading ``file.py:line:``, cut short.

    A pass-pipeline failure's first line only says that the pipeline failed; its
    ``error:`` line says why, so that one is preferred. An ``assert_close`` failure keeps
    how many elements differ and by how much.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if lines and _NOT_CLOSE.search(lines[0]):
        line = " ".join([lines[0], *(line for line in lines if line.startswith(_MISMATCH_DETAILS))])
    else:
        line = next((line for line in lines if _MLIR_ERROR.match(line)), lines[0] if lines else "")
        line = _SOURCE_PREFIX.sub("", _MLIR_ERROR.sub("", line))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def disagreement(actual, expected) -> str:
    """An empty string if ``assert_close`` (default tolerances, NaNs equal) accepts
    ``actual`` for ``expected``, else why not, in one line."""
    import torch

    try:
        torch.testing.assert_close(actual, expected, equal_nan=True)
    except Exception as error:  # AssertionError, or results of different structure
        return one_line(str(error))
    return ""
