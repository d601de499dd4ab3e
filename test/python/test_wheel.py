"""Kiln as a real package: the wheel built from this checkout, installed into a fresh
virtualenv, compiles, saves and loads from a folder outside the checkout, and the base
install (no torch-mlir, no llvmlite) loads and runs the saved program.

One virtualenv, about a minute: pip installs the wheel with its ``compiler`` extra (torch
and the rest come from pip's cache and the local wheel folder), a small model is compiled
and saved, then torch-mlir and llvmlite are uninstalled and the program is loaded and
checked against eager's outputs (``torch.testing.assert_close``'s float32 defaults).
"""

import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# Where each import package's folder is in the checkout (setup.py discovers below them).
PACKAGE_ROOTS = {"kiln": "python/kiln", "kiln.compiler": "compiler",
                 "kiln.runtime": "runtime", "kiln.tools": "tools"}

COMPILE = """
import sys, torch, kiln
from pathlib import Path
assert Path(kiln.__file__).is_relative_to(sys.prefix), kiln.__file__
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).eval()
x = torch.randn(4, 16)
program = kiln.compile(model, x)
with torch.no_grad():
    expected = model(x)
torch.testing.assert_close(program(x), expected)
program.save("program.kiln")
torch.save({"x": x, "expected": expected}, "eager.pt")
print(kiln.__version__)
"""

LOAD = """
import importlib.util, sys, torch, kiln
absent = [name for name in ("torch_mlir", "llvmlite") if importlib.util.find_spec(name)]
assert not absent, f"still installed: {absent}"
program = kiln.load("program.kiln")
saved = torch.load("eager.pt")
torch.testing.assert_close(program(saved["x"]), saved["expected"])
leaked = [name for name in sys.modules if name.startswith("kiln.compiler")]
assert not leaked, leaked
print("loaded")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from a copy of the checkout's files (tracked, or new and not ignored)."""
    work = tmp_path_factory.mktemp("wheel")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():  # not a tracked file deleted in the working tree
            (work / "src" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, work / "src" / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "-w", str(work / "dist"), str(work / "src")], cwd=work)
    (built,) = (work / "dist").glob("kiln-*.whl")
    return built


def test_wheel_holds_every_package_and_the_native_sources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {name.removesuffix("/__init__.py").replace("/", ".")
                for name in names if name.endswith("/__init__.py")}
    folders = {root + "".join(f".{part}" for part in init.parent.relative_to(ROOT / folder).parts)
               for root, folder in PACKAGE_ROOTS.items() for init in (ROOT / folder).rglob("__init__.py")}
    assert packaged == folders
    native = {path.name for path in (ROOT / "runtime" / "native").glob("*.c")}
    assert native and {f"kiln/runtime/native/{name}" for name in native} <= set(names)


COMPILE_WITHOUT_COMPILER = """
import torch, kiln
try:
    kiln.compile(lambda x: x + 1, torch.randn(2))
except kiln.KilnError as error:
    assert "pip install 'kiln[compiler]'" in str(error), error
    print("refused")
"""


def test_wheel_compiles_in_a_fresh_venv_and_its_base_install_loads(wheel, tmp_path):
    venv, outside = tmp_path / "venv", tmp_path / "outside"
    outside.mkdir()
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "-q", f"{wheel}[compiler]"], cwd=tmp_path)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "KILN_CACHE_DIR": str(tmp_path / "cache")}  # a cold cache: the C support code too
    compiled = _run([python, "-c", COMPILE], cwd=outside, env=env)
    assert compiled.stdout.split()[-1] == tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["version"]
    for script in ("kiln-bench", "kiln-opt"):  # the console scripts import from the wheel too
        _run([str(venv / "bin" / script), "--help"], cwd=outside, env=env)
    _run([python, "-m", "pip", "uninstall", "-q", "-y", "torch-mlir", "llvmlite"], cwd=tmp_path)
    _run([python, "-m", "pip", "check"], cwd=tmp_path)  # the base install's requirements hold
    loaded = _run([python, "-c", LOAD], cwd=outside, env=env)
    assert loaded.stdout.split()[-1] == "loaded"
    refused = _run([python, "-c", COMPILE_WITHOUT_COMPILER], cwd=outside, env=env)
    assert refused.stdout.split()[-1] == "refused"


def test_base_requirements_are_the_runtimes(wheel):
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA")))
    base = [line.removeprefix("Requires-Dist: ") for line in metadata.decode().splitlines()
            if line.startswith("Requires-Dist: ") and "extra ==" not in line]
    assert sorted(base) == ["numpy", "torch==2.13.0"]


def _run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result
