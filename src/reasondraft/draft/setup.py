"""Configure the LLM libraries: litellm when it is imported (quiet, no telemetry, the
fixture provider; its offline cost map is switched on by :mod:`reasondraft.draft`), and,
applied by whoever starts drafting, instructor's per-call model check remembered per
class (:func:`remember_async_validator_checks`)."""

from __future__ import annotations

import importlib
import logging
from functools import cache
from types import ModuleType
from typing import Any

CHECK_NAME = "reject_async_validators"  # instructor's per-call model check


@cache
def litellm_module() -> ModuleType:
    """Import litellm once, configured so it never reaches the network by itself (the
    package's ``__init__`` has set the cost map switch before any import of litellm)."""
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


LOG = logging.getLogger(__name__)
CHECK_MODULES = ("instructor.v2.validation.async_validators", "instructor.v2.core.patch")


@cache
def remember_async_validator_checks() -> bool:
    """Make instructor check each response model class for async validators once; called
    where drafting starts (``draft``, ``batch``), not on import. True if applied.

    instructor refuses models with async validators and checks for them up to seven times
    per call, walking every class of the model and every attribute of those classes each
    time: in a batch that was about a third of the CPU spent per call, on one core that
    every concurrent call shares. The verdict depends only on the class, so a class that
    passed is remembered; one that fails is checked (and refused) every time, as before.
    Measured with the instructor versions pyproject.toml allows; another one may lack the
    function, and then nothing changes but the speed (logged).
    """
    return remember_checks([_module(name) for name in CHECK_MODULES])


def remember_checks(modules: list[ModuleType | None]) -> bool:
    """The shim over ``modules`` (the check's own module first, then those that import it
    by name); False, logged, when there is nothing to patch."""
    check = getattr(modules[0], "reject_async_validators", None)
    if check is None:
        LOG.warning("instructor has no %s.reject_async_validators: each call checks its "
                    "response model again (slower batches); see pyproject.toml for the "
                    "versions measured", CHECK_MODULES[0])
        return False
    passed: set[Any] = set()

    def reject_once(response_model: Any) -> None:
        try:
            known = response_model in passed
        except TypeError:  # unhashable: checked every time
            check(response_model)
            return
        if not known:
            check(response_model)
            passed.add(response_model)

    # Call sites import the name at call time from its module, or once into their own.
    for user in modules:
        if getattr(user, "reject_async_validators", None) is check:
            user.reject_async_validators = reject_once  # type: ignore[union-attr]
    LOG.debug("instructor's async-validator check is remembered per response model class")
    return True


def _module(name: str) -> ModuleType | None:
    """The module, or None where this instructor version has no such module."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None
