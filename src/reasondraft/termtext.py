"""Untrusted text on the terminal: the one place it is made safe to print.

Trajectories, drafts, instances, front matter and model answers are written by others.
Printed as it is, an ESC in them clears the screen, retitles the window, writes the
clipboard (OSC 52) or plants a hyperlink (OSC 8) -- rich removes only BEL, BS, VT, FF and
CR. Read as rich markup, ``[/]`` crashes the command and ``[link=...]`` renders a link.

So every such value reaches rich through :func:`safe` (a :class:`Text`, never markup, with
each C0/C1 control and DEL shown as a dim ``\\x1b``) or, for renderables that take a plain
string such as :class:`Syntax`, through :func:`visible`. Our own messages keep their markup
and styles. JSON output keeps every value exact: :func:`json_text` only writes the controls
``json.dumps`` leaves raw as ``\\u`` escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.style import StyleType
from rich.text import Text

# C0 controls but tab and newline (layout), DEL, C1 controls. CR is one of them: a bare CR
# moves the cursor back over what was printed; a CR before a newline is a line ending.
# Unicode's bidirectional controls are escaped too: they reorder what a reviewer reads
# ("Trojan Source") without being visible.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(rf"\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_LINE_CONTROLS = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI}]")
ESCAPE_STYLE = "dim"


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r\n":
        return "\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _pattern(*, one_line: bool) -> re.Pattern[str]:
    return _LINE_CONTROLS if one_line else _CONTROLS


def visible(value: object, *, one_line: bool = False) -> str:
    """``str(value)`` with every control character written out as ``\\xNN``.

    ``one_line`` escapes tab and newline as well: for values that must stay on their line
    (an error message, a table cell laid out by hand)."""
    return _pattern(one_line=one_line).sub(_escaped, str(value))


def safe(value: object, style: StyleType = "", *, one_line: bool = False) -> Text:
    """``str(value)`` as rich :class:`Text` in ``style`` -- never parsed as markup -- with
    control characters escaped as in :func:`visible` and dimmed, so they read as what they
    are and not as part of the value."""
    text = str(value)
    result = Text(style=style)
    position = 0
    for match in _pattern(one_line=one_line).finditer(text):
        result.append(text[position:match.start()])
        escaped = _escaped(match)
        result.append(escaped, style=None if escaped == "\n" else ESCAPE_STYLE)
        position = match.end()
    result.append(text[position:])
    return result


_RAW_IN_JSON = re.compile(r"[\x7f-\x9f]")


def json_text(data: Any) -> str:
    """``data`` as indented JSON for the terminal. ``json.dumps`` escapes C0 controls but,
    keeping non-ASCII text readable, leaves DEL and C1 (``\\x9b`` is CSI to many
    terminals) raw: those become ``\\u`` escapes, which decode to the same value."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
