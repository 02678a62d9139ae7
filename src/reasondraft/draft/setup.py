"""Configure litellm before it is imported: offline cost map, quiet, fixture provider."""

from __future__ import annotations

import logging
import os
from functools import cache
from types import ModuleType


@cache
def litellm_module() -> ModuleType:
    """Import litellm once, configured so it never reaches the network by itself.

    The environment variable must be set before the import: otherwise litellm downloads
    its model cost map at import time.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    from reasondraft.draft.fixture import FixtureProvider

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.custom_provider_map = [
        entry for entry in litellm.custom_provider_map if entry.get("provider") != "fixture"
    ] + [{"provider": "fixture", "custom_handler": FixtureProvider()}]
    # We report failed repairs ourselves; instructor logs each retry at ERROR level.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    return litellm
