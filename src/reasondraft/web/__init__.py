"""Review in the browser: ``reasondraft serve DIR`` and ``reasondraft show DRAFT --html``.

The web stack (Starlette, Jinja2, Pygments, uvicorn) is the optional extra
``reasondraft[web]``; only these two commands import it, through :func:`require`, so
``verify``, ``status`` and ``show`` start as fast without it. :mod:`.page` turns a verified
draft into the task page, :mod:`.app` serves the queue and the pages, :mod:`.serve` runs
it, :mod:`.standalone` writes one page as a self-contained file.
"""

from __future__ import annotations

import importlib.util

from reasondraft.errors import InputError

STACK = ("starlette", "jinja2", "pygments", "uvicorn")


def require(command: str) -> None:
    """One clear line (exit 2) when the web extra is not installed."""
    missing = [name for name in STACK if importlib.util.find_spec(name) is None]
    if missing:
        raise InputError(f"{command} needs {', '.join(missing)}: install reasondraft[web] "
                         "(pip install 'reasondraft[web]')")
