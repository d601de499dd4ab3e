"""Settings for every pytest suite: Kiln's cache lives in a temporary directory per session.

The tests then neither read nor fill the user's compile cache (``~/.cache/kiln``).
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_kiln_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KILN_CACHE_DIR", str(tmp_path_factory.mktemp("kiln-cache")))
        yield
