"""Drafting: context packing, prompt rendering, the LLM client and the drafter.

The model stack -- ``llm``, ``drafter``, ``fixture``, ``setup`` and ``demo`` import litellm
and instructor, seconds of import time -- is imported only once a command has checked its
input (``run`` and ``batch.run`` import it late), and never by the reviewer commands.
litellm must find its model cost map offline instead of downloading it at import, so the
switch is set here, the one place every import of the stack passes first.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
