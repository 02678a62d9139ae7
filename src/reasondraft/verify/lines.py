"""Line checks: ``#L<first>-L<last>`` is inside the file, not inverted and not zero.

When a quote is attached and occurs exactly once in the file, its lines are offered as a
fix, so a reference whose numbers drifted is repaired by the text it quotes.
"""

from __future__ import annotations

import dataclasses

from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.files import side_name
from reasondraft.verify.quotes import proven_lines


def check_lines(c: Citation, ctx: VerifyContext) -> bool:
    """Narrow ``c.target`` to the cited lines; False (with a finding) if they are not there."""
    ref, target = c.file_ref, c.target
    if ref.start is None or target is None:
        return True
    first, last = ref.start, ref.last or ref.start
    fallback = None
    if first == 0 or last == 0:
        code, message = "RD-L003", "lines count from 1; there is no line 0"
    elif last < first:
        code, message = "RD-L002", f"the range is inverted: L{first}-L{last}"
        fallback = dataclasses.replace(ref, start=last, end=first).format()
    elif target.file.binary:
        code, message = "RD-L001", f"{target.path} is a binary file; it has no lines"
    elif last > len(target.file.lines):
        code, message = "RD-L001", (f"{target.path} has {len(target.file.lines)} lines "
                                    f"{side_name(target.rev)}; the reference cites line {last}")
    else:
        c.target = Target(target.path, target.rev, target.file, first, last)
        return True
    proven = proven_lines(c, ctx)
    c.add(code, message, proven or fallback, fixable=proven is not None)
    return False
