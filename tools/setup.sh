#!/usr/bin/env bash
# Sets up a fresh clone: a virtualenv in .venv with Kiln (editable) and its compiler, its test
# tools and kiln-bench's extras, and LLVM's FileCheck. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  echo "kiln setup: creating .venv" >&2
  python3 -m venv .venv
fi
echo "kiln setup: installing Kiln and its dependencies (torch 2.13.0 CPU, torch-mlir, llvmlite)" >&2
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned, so that no dependency can pull in a different build.
.venv/bin/python -m pip install -q "torch==2.13.0"
# compiler: torch-mlir and llvmlite (a bare `pip install kiln` is the runtime alone, which
# loads saved programs); test: the test tools; bench: transformers and matplotlib for
# kiln-bench; cuda: triton, for the CUDA target's compiler half (it leaves torch alone).
# Not torchvision: the wheel pip finds for torch 2.13 is a CUDA build that fails to import here.
.venv/bin/python -m pip install -q -e ".[compiler,test,bench,cuda]"

if ! command -v FileCheck >/dev/null && ! command -v FileCheck-22 >/dev/null \
   && [ ! -x /usr/lib/llvm-22/bin/FileCheck ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "kiln setup: installing LLVM's FileCheck (llvm-22-tools)" >&2
    apt-get update -qq && apt-get install -y -qq llvm-22-tools >/dev/null \
      || echo "kiln setup: llvm-22-tools unavailable; lit falls back to the Python filecheck" >&2
  else
    echo "kiln setup: LLVM's FileCheck not found; lit falls back to the Python filecheck" >&2
  fi
fi
echo "kiln setup: done" >&2
