"""Hand-written trajectory fixtures (a fictional acme/widgets repo) in every format."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def fixtures() -> Path:
    """The folder of trajectory fixtures."""
    return Path(__file__).parent / "fixtures"
