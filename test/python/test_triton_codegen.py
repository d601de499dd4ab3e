"""The CUDA target's Triton code generation, checked against eager PyTorch on a CPU.

Each program goes through Kiln's stages up to a planned module (as the CUDA pipeline
will build it), its kernels are lowered to Triton launches, and the host program runs
them in Triton's interpreter on CPU tensors. Tolerances: torch.testing's defaults for
float32 (rtol 1.3e-6, atol 1e-5) unless a test states others.
"""

import shutil
from pathlib import Path

import pytest
import torch
from torch_mlir import ir

from kiln.compiler.conversion import kiln_to_linalg, torch_to_kiln  # noqa: F401  (registers passes)
from kiln.compiler.passes import stages  # noqa: F401  (registers kiln-bufferize)
from kiln.compiler.diagnostics import CompileError
from kiln.compiler.dialect import make_context
from kiln.compiler.artifacts.host_program_builder import KERNEL_ATTR, extract_host_program, split_kernels
from kiln.compiler.importer import export, import_program, state_tensors
from kiln.compiler.passes.pipeline import build_pass_manager
from kiln.compiler.targets.cuda.interpreter import run_host_program
from kiln.compiler.targets.cuda.triton_codegen import lower_kernel

F = torch.nn.functional

STAGES = [
    "builtin.module(convert-torch-to-kiln{fallback=0}, canonicalize, cse)",
    "builtin.module(kiln-fuse)",
    "builtin.module(convert-kiln-to-linalg, kiln-outline-kernels, linalg-generalize-named-ops,"
    " linalg-fuse-elementwise-ops, canonicalize, cse, kiln-bufferize, kiln-plan-memory,"
    " canonicalize)",
]


def lower_program(fn, *args):
    """The host program of ``fn``, each kernel's Triton launches, and the state tensors
    (a module's parameters and buffers) the program takes first."""
    context = make_context()
    with context, ir.Location.unknown():
        exported, _ = export(fn, args)
        imported = import_program(exported, context)
        for stage in STAGES:
            pass_manager, _ = build_pass_manager(stage, context)
            pass_manager.run(imported.module.operation)
        program = extract_host_program(imported.module, imported.function_name,
                                       len(imported.state_names), imported.user_input_count)
        launches = {}
        for name, module in split_kernels(imported.module).items():
            kernel = next(op.operation for op in module.body.operations
                          if KERNEL_ATTR in op.attributes)
            launches[name] = lower_kernel(kernel)
    return program, launches, state_tensors(exported, imported.state_names)


def check(fn, *args, **tolerance):
    """Run ``fn`` through Triton's interpreter and compare with eager; return the launches."""
    program, launches, state = lower_program(fn, *args)
    with torch.no_grad():
        expected = fn(*args)
    expected = expected if isinstance(expected, tuple) else (expected,)
    outputs = [torch.empty(e.shape, dtype=e.dtype) for e in expected]
    run_host_program(program, launches, state, list(args), outputs)
    for got, want in zip(outputs, expected):
        torch.testing.assert_close(got, want, **tolerance)
    return [launch for kernel in launches.values() for launch in kernel]


def test_elementwise_chain_with_broadcasting():
    launches = check(lambda x, y: torch.sigmoid(torch.relu(x * 2 + y)) - y.exp(),
                     torch.randn(4, 8), torch.randn(8))
    assert len(launches) == 1


def test_elementwise_math():
    x = torch.tensor([-3.0, -1.5, -0.5, -1e-3, 0.0, 2e-4, 0.3, 0.5, 2.5, 7.0, float("nan"),
                      float("inf")])
    check(lambda x: torch.tanh(x) + torch.erf(x) + torch.round(x) + torch.trunc(x)
          + torch.rsqrt(x.abs() + 1) + torch.log1p(x.abs()) + torch.expm1(x.clamp(max=3))
          + torch.pow(x.abs(), 1.5) + torch.floor(x / 2), x, equal_nan=True)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_reductions_over_each_dim_keepdim(dim):
    x = torch.randn(3, 5, 6)
    check(lambda x: (x.sum(dim, keepdim=True), x.amax(dim, keepdim=True),
                     x.mean(dim, keepdim=True)), x)


def test_full_reduction_and_nan_propagating_max():
    x = torch.randn(5, 7)
    x[2, 3] = float("nan")
    check(lambda x: (x.sum(), x.amax(1)), x, equal_nan=True)


def test_argmax_runs_sequentially():
    check(lambda x: x.argmax(1), torch.randn(6, 10))


def test_softmax_is_one_row_launch():
    launches = check(lambda x: torch.softmax(x, -1), torch.randn(8, 32))
    assert len(launches) == 1 and launches[0].grid == (8,)


def test_layer_norm_is_one_row_launch():
    launches = check(lambda x, w, b: F.layer_norm(x, (48,), w, b),
                     torch.randn(6, 48), torch.randn(48), torch.randn(48))
    assert len(launches) == 1 and launches[0].grid == (6,)


def test_matmul_bias_gelu_is_one_dot_launch():
    launches = check(lambda x, w, b: F.gelu(x @ w + b),
                     torch.randn(24, 40), torch.randn(40, 20), torch.randn(20))
    assert len(launches) == 1 and "tl.dot(" in launches[0].source \
        and "tl.erf(" in launches[0].source


def test_batch_matmul():
    launches = check(lambda a, b: a @ b, torch.randn(3, 17, 9), torch.randn(3, 9, 18))
    assert any("tl.dot(" in launch.source for launch in launches)


def test_transposed_and_sliced_view_input():
    check(lambda x: x.t()[1:4] * 2 + 1, torch.randn(5, 6))


def test_integer_and_boolean_ops():
    x, y = torch.randint(-5, 5, (4, 6)), torch.randint(-5, 5, (4, 6))
    check(lambda x, y: ((x > y) & (x > 0), x * y - torch.where(x < y, x, y).abs() % 3), x, y)


def test_small_conv2d():
    check(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
          torch.randn(1, 2, 7, 7), torch.randn(3, 2, 3, 3), torch.randn(3),
          rtol=1e-5, atol=1e-5)


UNSUPPORTED = """
#map = affine_map<(d0) -> (d0)>
func.func private @k(%a: memref<4xf32>, %b: memref<4xf32>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.cbrt %in : f32
    linalg.yield %0 : f32
  }
  return
}
"""


def test_unsupported_op_names_it():
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(UNSUPPORTED)
        with pytest.raises(CompileError, match="math.cbrt"):
            lower_kernel(module.body.operations[0].operation)


def test_cubins_for_sm90(tmp_path, monkeypatch):
    import triton
    if not (Path(triton.__file__).parent / "backends/nvidia/bin/ptxas").exists():
        pytest.skip("triton's bundled ptxas is missing")
    from kiln import knobs
    from kiln.compiler.targets.cuda.cubin import CAPABILITY, compile_launch
    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path))
    settings = knobs.current()
    _, launches, _ = lower_program(lambda x, w: torch.relu(x @ w) + 1,
                                torch.randn(32, 32), torch.randn(32, 32))
    _, pointwise, _ = lower_program(lambda x: x.exp() * 3, torch.randn(100))
    for launch in (*launches["forward_kernel_0"], *pointwise["forward_kernel_0"]):
        compiled = compile_launch(launch, CAPABILITY, settings)
        assert ".target sm_90" in compiled.ptx and compiled.cubin[:4] == b"\x7fELF"
        assert compiled.symbol == launch.name and compiled.num_warps == launch.num_warps
        assert compiled.global_scratch_size == 0
    assert compile_launch(launch, CAPABILITY, settings).cubin == compiled.cubin  # from the cache
    shutil.rmtree(tmp_path / "triton")


class _AttentionBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm, self.qkv, self.out = (torch.nn.LayerNorm(32), torch.nn.Linear(32, 96),
                                         torch.nn.Linear(32, 32))

    def forward(self, x):
        q, k, v = self.qkv(self.norm(x)).split(32, -1)
        return x + self.out(torch.softmax(q @ k.transpose(-1, -2) / 5.6, -1) @ v)


def test_attention_block_with_parameters():
    """Linear layers on 3-D inputs are tl.dot launches; tolerance 1e-4 over four matmuls."""
    launches = check(_AttentionBlock().eval(), torch.randn(2, 8, 32), rtol=1e-4, atol=1e-4)
    assert sum("tl.dot(" in launch.source for launch in launches) == 4


def test_embedding_gather_and_index_arithmetic():
    """``memref.load`` of a table at loaded ids, and ``affine.apply`` on loop indices."""
    table, ids = torch.randn(10, 6), torch.tensor([[3, 0, 9], [9, 1, 4]])
    check(lambda t, i: F.embedding(i, t) * 2, table, ids)
    check(lambda x: x * torch.arange(6.0).reshape(2, 3).t().reshape(6)
          + x[:, torch.tensor([3, 1, 0, 2, 5, 4])], torch.randn(3, 6))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_matmul_widened_to_f32_is_a_dot(dtype):
    """The body widens both factors to f32; tl.dot accumulates their exact products in f32.
    Tolerance: one ulp of the f16/bf16 result, as summation order may differ."""
    a, b = torch.randn(2, 16, 48, dtype=dtype), torch.randn(48, 8, dtype=dtype)
    launches = check(lambda x, y: x @ y, a, b, rtol=torch.finfo(dtype).eps, atol=0)
    assert sum("tl.dot(" in launch.source for launch in launches) == 1


AFFINE_ON_DATA = """
#map = affine_map<(d0) -> (d0)>
func.func private @k(%a: memref<4xi64>, %b: memref<4xi64>) attributes {kiln.kernel} {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : memref<4xi64>) outs(%b : memref<4xi64>) {
  ^bb0(%in: i64, %out: i64):
    %0 = arith.index_cast %in : i64 to index
    %1 = affine.apply affine_map<()[s0] -> (s0 mod 3)>()[%0]
    %2 = arith.index_cast %1 : index to i64
    linalg.yield %2 : i64
  }
  return
}
"""


def test_affine_apply_on_loaded_values_is_refused():
    """Triton's truncating ``%`` would differ from affine ``mod`` on negative values."""
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(AFFINE_ON_DATA)
        with pytest.raises(CompileError, match="affine.apply .*loop indices"):
            lower_kernel(module.body.operations[0].operation)
