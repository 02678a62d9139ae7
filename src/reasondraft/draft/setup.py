"""Configure the LLM libraries: litellm before it is imported (offline cost map, quiet,
fixture provider), and instructor's per-call model check (remembered per class)."""

from __future__ import annotations

import importlib
import logging
import os
from functools import cache
from types import ModuleType
from typing import Any

CHECK_NAME = "reject_async_validators"  # instructor's per-call model check


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


@cache
def remember_async_validator_checks() -> None:
    """Make instructor check each response model class for async validators once.

    instructor refuses models with async validators and checks for them up to seven times
    per call, walking every class of the model and every attribute of those classes each
    time: in a batch that was about a third of the CPU spent per call, on one core that
    every concurrent call shares. The verdict depends only on the class, so a class that
    passed is remembered; one that fails is checked (and refused) every time, as before.
    Nothing changes if instructor no longer has the function.
    """
    modules = [_module(name) for name in ("instructor.v2.validation.async_validators",
                                          "instructor.v2.core.patch")]
    check = getattr(modules[0], CHECK_NAME, None)
    if check is None:
        return
    passed: set[Any] = set()

    def reject_once(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # unhashable: check every time
            check(response_model)
            return
        check(response_model)
        passed.add(response_model)

    # Call sites import the name at call time from its module, or once into their own.
    for user in modules:
        if getattr(user, CHECK_NAME, None) is check:
            setattr(user, CHECK_NAME, reject_once)


def _module(name: str) -> ModuleType | None:
    """The module, or None where this instructor version has no such module."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None
