"""The program as the user started it, so that a command a hint suggests runs as typed.

"next: reasondraft show ..." failed when the console script was not on PATH (a virtual
environment not activated). Hints name the program the way it was invoked: the script's
path as given (``.venv/bin/reasondraft``), or the interpreter with ``-m reasondraft``; a
bare name only when PATH finds that very file.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys

NAME = "reasondraft"


def program() -> str:
    """The start of a command line that runs this program again, quoted for the shell."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name == f"{NAME}.__main__":
        return f"{_typable(sys.executable)} -m {NAME}"
    script = sys.argv[0] if sys.argv else ""
    if os.path.basename(script).startswith(NAME) and os.access(script, os.X_OK):
        return _typable(script)
    return NAME  # run by other code (a test runner, python -c): the installed name


def command_line(*args: str) -> str:
    """A command line that runs this program with ``args``, each quoted for the shell."""
    return " ".join([program(), *map(shlex.quote, args)])


def _typable(path: str) -> str:
    """``path`` as one may type it: its bare name when PATH finds this same file (not the
    file a symlink leads to: a venv's python is a link, and works only by its own path)."""
    name = os.path.basename(path)
    found = shutil.which(name)
    if found is not None and os.path.abspath(found) == os.path.abspath(path):
        return name
    return shlex.quote(path)
