"""reasondraft: draft, verify and review reasoning traces for AI coding tasks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reasondraft")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
