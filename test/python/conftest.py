"""Settings for every pytest suite: Kiln's cache lives in a temporary directory per session.

The tests then neither read nor fill the user's compile cache (``~/.cache/kiln``). A
suite that must see every op compiled uses the ``strict_mode`` fixture.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_kiln_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KILN_CACHE_DIR", str(tmp_path_factory.mktemp("kiln-cache")))
        yield


@pytest.fixture
def strict_mode(monkeypatch):
    """The fallback off: an op Kiln does not compile is an error, not a call into torch."""
    monkeypatch.setenv("KILN_FALLBACK", "0")
