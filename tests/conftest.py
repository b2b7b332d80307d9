"""Every test session proves the derivations afresh: the cache of checked derivations lives in a
temporary directory of its own, so no entry from an earlier run is trusted."""

import os
import tempfile

os.environ["INITPROOF_CACHE_DIR"] = tempfile.mkdtemp(prefix="initproof-cache-")
