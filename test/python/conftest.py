"""Settings for every pytest suite.

- Kiln's cache lives in a temporary directory per session, so the tests neither read
  nor fill the user's compile cache (``~/.cache/kiln``).
- Tests run strict: the fallback is off (``KILN_FALLBACK=0``), so a test of an op
  fails if the op silently ran through torch instead of being compiled. A test about
  the fallback itself says so with ``@pytest.mark.uses_fallback`` (or a module's
  ``pytestmark``).
"""

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "uses_fallback: the test is about ops that run through torch, so the "
                   "fallback stays on (KILN_FALLBACK=1) for it")


@pytest.fixture(scope="session", autouse=True)
def private_kiln_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KILN_CACHE_DIR", str(tmp_path_factory.mktemp("kiln-cache")))
        yield


@pytest.fixture(autouse=True)
def strict_by_default(request, monkeypatch):
    """The fallback off unless the test is marked ``uses_fallback``."""
    fallback = request.node.get_closest_marker("uses_fallback") is not None
    monkeypatch.setenv("KILN_FALLBACK", "1" if fallback else "0")


@pytest.fixture
def strict_mode(monkeypatch):
    """The fallback off, said explicitly by suites that must see every op compiled."""
    monkeypatch.setenv("KILN_FALLBACK", "0")
