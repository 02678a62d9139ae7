"""The quote matcher against a plain backtracking oracle, and on hostile quotes.

The oracle is the definition of a match written as directly as possible (try every length
for every '...'); it is exponential, so it only sees small inputs.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reasondraft.verify.quotes import Pattern, match_from


def oracle(pattern: Pattern, rows: tuple[str, ...], pos: int, stop: int,
           prefix: str | None = None, i: int = 0, *, to_stop: bool) -> int | None:
    while i < len(pattern) and pattern[i] is not None:
        if pos >= stop:
            return None
        item, row = pattern[i], rows[pos]
        if item:
            head = row[:len(row) - len(item)]
            if not row.endswith(item) or head.strip() or prefix not in (None, head):
                return None
            prefix = head
        elif row:
            return None
        i, pos = i + 1, pos + 1
    if i == len(pattern):
        return pos if not to_stop or pos == stop else None
    ends = [end for skip in range(pos, stop + 1)
            if (end := oracle(pattern, rows, skip, stop, prefix, i + 1, to_stop=to_stop))
            is not None]
    return min(ends, default=None)


ROWS = st.sampled_from(["", "a", "b", " a", " b", "  a", "\ta"])
ITEMS = st.one_of(st.none(), st.sampled_from(["", "a", "b"]))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(pattern=st.lists(ITEMS, max_size=6), rows=st.lists(ROWS, max_size=9),
       pos=st.integers(0, 9), to_stop=st.booleans())
def test_matches_exactly_where_the_definition_does(pattern, rows, pos, to_stop) -> None:
    collapsed: list[str | None] = []
    for item in pattern:  # compile_quote never leaves two '...' in a row
        if not (item is None and collapsed and collapsed[-1] is None):
            collapsed.append(item)
    rows_t, pos = tuple(rows), min(pos, len(rows))
    assert match_from(tuple(collapsed), rows_t, pos, len(rows_t), to_stop=to_stop) == \
        oracle(tuple(collapsed), rows_t, pos, len(rows_t), to_stop=to_stop)


def test_a_quote_of_many_ellipses_is_answered_without_backtracking() -> None:
    # 2,000 '...' between lines that occur everywhere but never in the needed order: the
    # old recursive search took hours here (and hit the recursion limit at ~1,000).
    pattern: Pattern = (*[item for _ in range(2000) for item in (None, "x")], None, "y")
    rows = tuple("x" for _ in range(3000))
    assert match_from(pattern, rows, 0, len(rows), to_stop=False) is None
    assert match_from(pattern, (*rows, "y"), 0, len(rows) + 1, to_stop=True) == len(rows) + 1
