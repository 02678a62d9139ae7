"""Data shipped with the package: prompt templates, the example task, fixture recordings.

A wheel carries them inside the package (``reasondraft/prompts``, ``reasondraft/example``,
``reasondraft/example2``, ``reasondraft/models``: see ``force-include`` in pyproject.toml); a
source checkout or an editable install finds them at the top of the source tree
(``prompts/``, ``fixtures/example/``, ``fixtures/example2/``, ``fixtures/models/``).
"""

from __future__ import annotations

from pathlib import Path

SOURCE_DIRS = {"prompts": "prompts", "example": "fixtures/example",
               "example2": "fixtures/example2", "models": "fixtures/models"}


def data_dir(name: str) -> Path:
    """The directory of shipped data ``name`` (one of SOURCE_DIRS)."""
    packaged = Path(__file__).parent / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / SOURCE_DIRS[name]
    if source.is_dir():
        return source
    raise FileNotFoundError(f"reasondraft data '{name}' is missing from this installation")
