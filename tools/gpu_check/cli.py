"""The command line of ``tools/gpu-check``: ``prepare`` here, ``run`` on the GPU machine."""

import argparse
from pathlib import Path

DEFAULT_OUT = "gpu-check-out"
# Models small enough to compile quickly and to carry (64 MiB in all); each is the
# kiln-bench model of that name at its bench size.
DEFAULT_MODELS = ("mlp", "cnn", "attention", "gpt2_block", "layernorm_gelu_residual",
                  "elementwise_chain", "matmul_1024", "linear_64x512x2048", "resnet_blocks",
                  "hf_gpt2", "hf_resnet", "hf_vit", "hf_convnext")


def main(root: Path) -> int:
    """Run ``prepare`` or ``run``; the exit status is 0 when every model passed."""
    parser = argparse.ArgumentParser(prog="tools/gpu-check", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="compile for cuda and save (needs the compiler)")
    prepare.add_argument("--models", default=",".join(DEFAULT_MODELS))
    prepare.add_argument("--out", default=DEFAULT_OUT)
    run = commands.add_parser("run", help="check and time on the GPU (needs only the runtime)")
    run.add_argument("--dir", default=DEFAULT_OUT)
    run.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    if args.command == "prepare":
        from .prepare import prepare_all

        return prepare_all([m for m in args.models.split(",") if m], Path(args.out))
    from .run import run_all

    return run_all(root, Path(args.dir), args.repeats)
