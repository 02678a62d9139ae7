"""Drafting: context packing, prompt rendering, the LLM client and the drafter.

Everything here may import litellm and instructor (seconds of import time), so nothing
outside this package imports it at module level: reviewer commands stay light. litellm
must find its cost map offline, so the switch is set before any module here imports it.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
