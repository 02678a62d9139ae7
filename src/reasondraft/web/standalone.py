"""``show DRAFT --html FILE``: the task page as one self-contained, read-only file.

The stylesheet and the script are inlined under a Content-Security-Policy (in a meta tag)
that allows only them, by a nonce made for this file: no server, no other origin, and no
script or style that came from the draft. Tabs and reference panels work without the
script (CSS ``:target``); the script adds the keyboard and the step search.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from markupsafe import Markup

from reasondraft.files import atomic_write, check_output_file
from reasondraft.verify import Repos, Sources
from reasondraft.web.app import script, stylesheet, templates
from reasondraft.web.page import build_page


def page_html(path: Path, sources: Sources) -> str:
    """The HTML of the draft's task page (a draft.md or its task folder)."""
    name = path.name if path.is_dir() else path.parent.name
    with Repos() as repos:
        page = build_page(path, sources, repos, name=name)
    # Our own stylesheet and script: Markup, so Jinja does not escape '>' in CSS selectors.
    return templates().get_template("task.html").render(
        static=True, page=page, nonce=secrets.token_urlsafe(18), css=Markup(stylesheet()),
        js=Markup(script()), token="", message=None)


def write_html(path: Path, out: Path, sources: Sources) -> None:
    """Write the page to ``out`` atomically (nothing is written if the draft is unreadable)."""
    check_output_file(out)
    atomic_write(out, page_html(path, sources))
