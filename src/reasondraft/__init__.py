"""reasondraft: draft, verify and review reasoning traces for AI coding tasks."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for:
    importing importlib.metadata cost a quarter of ``verify``'s start-up, which never
    needs it."""
    if name != "__version__":
        raise AttributeError(f"module 'reasondraft' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("reasondraft")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
