"""The CPU target's C support code is compiled once into Kiln's cache and reused by every link."""

import shutil

import pytest

from kiln.compiler.targets.cpu import support_library
from kiln.runtime import native

COMPILER = shutil.which("cc")
pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc)")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_sources_are_the_runtime_packages_c_files():
    folder = native.__file__.removesuffix("__init__.py")
    assert set(native.sources()) == {"kiln_cpu_support.c", "kiln_openmp_shim.c"}
    for name, text in native.sources().items():
        assert open(folder + name, "rb").read() == text


def test_objects_are_compiled_once_then_reused(cache_dir, monkeypatch):
    objects = support_library.support_objects(COMPILER)
    assert [path.name for path in objects] == ["kiln_cpu_support.o", "kiln_openmp_shim.o"]
    assert all(path.is_relative_to(cache_dir / "cpu-support") and path.stat().st_size
               for path in objects)

    def compile_again(*_):
        raise AssertionError("the support code was compiled a second time")

    monkeypatch.setattr(support_library, "_compile", compile_again)
    assert support_library.support_objects(COMPILER) == objects


def test_changed_sources_get_new_objects(cache_dir, monkeypatch):
    before = support_library.support_objects(COMPILER)
    changed = {name: text + b"\n/* changed */\n" for name, text in native.sources().items()}
    monkeypatch.setattr(support_library, "native_sources", lambda: changed)
    after = support_library.support_objects(COMPILER)
    assert after[0].parent != before[0].parent
    assert all(path.is_file() for path in before + after)
