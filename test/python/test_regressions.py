"""Regressions found by the differential tester (issue 7): each program once gave a wrong
answer, a crash or an internal error. Results are compared with eager PyTorch exactly
where eager's result is exact, and at ``assert_close``'s defaults for the dtype elsewhere.
"""

import pytest
import torch

from helpers import check


def _negated(x):
    return -x


@pytest.mark.parametrize("program", [
    lambda x: (lambda v: (torch.where(v > 0, v, v), v))(_negated(x)),
    lambda x: (lambda v: (torch.maximum(v, v), v))(_negated(x)),
    lambda x: (lambda v: (torch.minimum(v, v), v.unsqueeze(1)))(_negated(x)),
    lambda x: (lambda v: (torch.logical_or(v, v), v))(x > 0),
], ids=["where", "maximum", "minimum-and-view", "logical_or"])
def test_one_value_used_twice_by_an_op_and_returned_compiles(program):
    """The op folds to its operand, so the kernel returned one value twice, which
    crashed bufferization (a segmentation fault)."""
    check(program, torch.tensor([1.0, -2.0, 3.0]))
