"""Options per compile: ``kiln.compile(..., options=...)`` and ``torch.compile(...,
options=...)`` override the ``KILN_*`` environment for one compile; the target parses its
own and refuses unknown ones, naming them."""

import pytest
import torch

import kiln
from custom_ops import reverse_rows
from kiln import targets

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


def _sums(x):
    return torch.cumsum(x, 0) * 2


def _chain(x):
    return (x.exp() + 1) * 2


def test_target_options_reach_the_target_and_the_result_is_eager():
    x = torch.randn(100)
    compiled = kiln.compile(_chain, x, options={"opt_level": 0, "fusion": "elementwise=0"})
    torch.testing.assert_close(compiled(x), _chain(x), **TOLERANCE)
    assert (compiled.stats["kernels"], kiln.compile(_chain, x).stats["kernels"]) == (3, 1)


def test_an_unknown_option_names_the_targets_options():
    with pytest.raises(kiln.OptionError, match=r"target 'cpu' has no option 'tile'; its options "
                                             r"are opt_level \(int, default 3\), fusion"):
        kiln.compile(_sums, torch.randn(4), options={"tile": 8})


def test_an_option_of_the_wrong_type_is_refused():
    with pytest.raises(kiln.OptionError, match="option 'opt_level' of target 'cpu' must be int"):
        kiln.compile(_sums, torch.randn(4), options={"opt_level": "2"})


@pytest.mark.uses_fallback
def test_the_fallback_option_is_strict_mode_for_one_compile():
    def unsupported(x):
        return reverse_rows(x) * 2  # a custom op: Kiln never compiles it

    x = torch.randn(5, 3)
    assert kiln.compile(unsupported, x).stats["fallbacks"]
    with pytest.raises(kiln.KilnError, match="not supported by Kiln"):
        kiln.compile(unsupported, x, options={"fallback": False})


def test_torch_compile_passes_its_options_to_kiln():
    torch._dynamo.reset()
    x = torch.randn(64)
    compiled = torch.compile(_sums, backend="kiln", options={"tile": 8})
    with pytest.raises(Exception, match="target 'cpu' has no option 'tile'"):
        compiled(x)  # a refusal would run eagerly; a mistaken option raises
    torch._dynamo.reset()


def test_torch_compile_options_can_choose_the_target():
    torch._dynamo.reset()
    x = torch.randn(32)
    compiled = torch.compile(_sums, backend="kiln", options={"target": "cuda-interpreter"})
    torch.testing.assert_close(compiled(x), _sums(x), **TOLERANCE)
    torch._dynamo.reset()


def test_the_target_hash_covers_options_and_tool_versions():
    assert targets.target_hash("cpu", {}) != targets.target_hash("cpu", {"opt_level": 2})
    assert targets.CUDA.tools == ("triton",)
    assert targets.target_hash("cuda", {}) != targets.target_hash("cuda-interpreter", {})


def test_a_tensor_on_another_device_names_the_torch_device_to_move_it_to():
    compiled = kiln.compile(_sums, torch.randn(4))
    with pytest.raises(kiln.CallError, match=r"is on meta, expected cpu; move it with \.to\('cpu'\)"):
        compiled(torch.randn(4, device="meta"))
