"""``compare A B``: how far two traces of one task agree, structurally (docs/quality.md).

Two annotators' traces, or a model draft against the approved version: each figure is a
share from 0 to 1 (None when a side does not carry what it measures: format 1 has no
outcome, root cause or hunk map), and every disagreement is listed where a person can
look at it.

- outcome: the same ``resolved`` and source;
- root_cause: Jaccard over the places the root cause names (lines per file, symbols);
- cited_lines: Jaccard over the lines cited anywhere in the body, per file and overall
  (``path`` and ``path@patched`` are different files; a symbol or a whole file counts as
  one place);
- cited_steps: Jaccard over the trajectory steps cited;
- decisions: decisions are matched by their question; the share of them with the same
  chosen option (an unmatched decision counts as a disagreement);
- hunks: hunk notes matched by reference; the share with the same necessity and tests;
- test_claims: claims matched by node id; the share that claim the same set, visibility,
  results and source (format 1: fails before, passes after).

Prose (reasoning, purposes, why) is not compared: wording differs between any two people.
Lines and steps are counted as merged ranges, so a reference to ``#L1-L99999999`` costs no
more than one to ``#L1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.quality.load import LoadedTrace, load_trace
from reasondraft.refs import FileRef, RefError, StepRef, find_references, parse_ref
from reasondraft.trace import Trace, TraceStep, node_id
from reasondraft.trace_v1 import TraceStepV1, TraceV1

FIGURES = ("outcome", "root_cause", "cited_lines", "cited_steps", "decisions", "hunks",
           "test_claims")
ABSENT = "(absent)"
STEPS_KEY = "trajectory steps"
Span = tuple[int, int]
AnyTrace = Trace | TraceV1


@dataclass(frozen=True)
class Difference:
    """One disagreement: which figure it lowers, where to look (section, and the item:
    a file, a question, a test id), and what each side holds there."""

    figure: str
    where: str
    item: str
    a: str
    b: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Comparison:
    """The figures of two traces of one task and the differences behind them."""

    a: Path
    b: Path
    instance_id: str
    figures: dict[str, float | None] = field(default_factory=dict)
    per_file: dict[str, float] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        """True when nothing differs (a figure of None measures nothing, so it agrees)."""
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"a": str(self.a), "b": str(self.b), "instance_id": self.instance_id,
                "agree": self.agree, "figures": self.figures,
                "cited_lines_per_file": self.per_file,
                "differences": [d.to_json() for d in self.differences]}


def compare(a: Path, b: Path) -> Comparison:
    """Compare two trace drafts (files or task folders) of the same instance."""
    left, right = load_trace(a), load_trace(b)
    if left.instance_id != right.instance_id:
        raise InputError(f"{left.path} is {left.instance_id!r} but {right.path} is "
                         f"{right.instance_id!r}: compare takes two traces of one task")
    result = Comparison(left.path, right.path, left.instance_id)
    ta, tb = left.parsed.trace, right.parsed.trace
    both_v2 = isinstance(ta, Trace) and isinstance(tb, Trace)
    _add(result, "outcome", _keyed("outcome", _outcome(ta), _outcome(tb))
         if both_v2 else None)
    _add(result, "root_cause", _places_figure("root_cause", _root_places(ta), _root_places(tb))
         if both_v2 else None)
    lines = _places_figure("cited_lines", *(_cited(side) for side in (left, right)))
    result.per_file = lines[2]
    _add(result, "cited_lines", lines)
    _add(result, "cited_steps",
         _places_figure("cited_steps", *(_cited_steps(side) for side in (left, right))))
    _add(result, "decisions", _keyed("decisions", _decisions(ta), _decisions(tb),
                                     counted=("chosen",)))
    _add(result, "hunks", _keyed("hunks", _hunks(ta), _hunks(tb)) if both_v2 else None)
    _add(result, "test_claims", _keyed("test_claims", _tests(ta), _tests(tb))
         if type(ta) is type(tb) else None)
    return result


def _add(result: Comparison, name: str,
         figure: tuple[float | None, list[Difference], Any] | None) -> None:
    value, differences = (None, []) if figure is None else figure[:2]
    result.figures[name] = value
    result.differences += differences


def _share(agreeing: int, total: int) -> float | None:
    """``agreeing / total`` to four places, never rounded up to 1.0 while something
    differs; None when there is nothing to compare."""
    if not total:
        return None
    return 1.0 if agreeing == total else min(round(agreeing / total, 4), 0.9999)


# -- items matched by a key ----------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One thing a trace states about a key (a test id, a question): where it is, its name
    as written, and its fields: a text, or a set of texts (options, tests) of which a
    difference names only the members one side lacks. Compared case- and
    space-insensitively."""

    where: str
    name: str
    fields: dict[str, str | frozenset[str]]

    def text(self) -> str:
        return "; ".join(f"{name}: {_shown(value)}" for name, value in self.fields.items())


def _shown(value: str | frozenset[str]) -> str:
    return value if isinstance(value, str) else " | ".join(sorted(value, key=_fold)) or "-"


def _folded(value: str | frozenset[str] | None) -> str | frozenset[str]:
    if isinstance(value, frozenset):
        return frozenset(map(_fold, value))
    return _fold(value or "")


def _field_difference(name: str, a: str | frozenset[str] | None,
                      b: str | frozenset[str] | None) -> tuple[str, str]:
    """What each side holds in a field that differs (for sets: what the other lacks)."""
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        fa, fb = _folded(a), _folded(b)
        a = frozenset(x for x in a if _fold(x) not in fb)
        b = frozenset(x for x in b if _fold(x) not in fa)
    return (f"{name}: {_shown('' if a is None else a)}",
            f"{name}: {_shown('' if b is None else b)}")


def _keyed(figure: str, left: dict[str, Item], right: dict[str, Item], *,
           counted: tuple[str, ...] | None = None) -> tuple[float | None, list[Difference],
                                                            None]:
    """Match items by key: the share of keys both sides state alike (in the ``counted``
    fields, default all), and a difference per field that differs or item one side lacks."""
    keys = list(dict.fromkeys([*left, *right]))
    same, differences = 0, []
    for key in keys:
        a, b = left.get(key), right.get(key)
        if a is None or b is None:
            only = a or b
            assert only is not None
            differences.append(Difference(figure, only.where, only.name,
                                          a.text() if a else ABSENT, b.text() if b else ABSENT))
            continue
        where = a.where if a.where == b.where else f"{a.where} / {b.where}"
        differing = [name for name in dict.fromkeys([*a.fields, *b.fields])
                     if _folded(a.fields.get(name)) != _folded(b.fields.get(name))]
        if not [name for name in differing if counted is None or name in counted]:
            same += 1
        differences += [Difference(figure, where, a.name, *_field_difference(
            name, a.fields.get(name), b.fields.get(name))) for name in differing]
    return _share(same, len(keys)), differences, None


def _outcome(trace: AnyTrace) -> dict[str, Item]:
    assert isinstance(trace, Trace)
    resolved = {True: "yes", False: "no", None: "unknown"}[trace.outcome.resolved]
    return {"outcome": Item("Outcome", "outcome", {"resolved": resolved,
                                                   "source": trace.outcome.source.value})}


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _decisions(trace: AnyTrace) -> dict[str, Item]:
    found: dict[str, Item] = {}
    steps: list[TraceStep | TraceStepV1] = list(trace.steps)
    for number, step in enumerate(steps, start=1):
        if step.decision is not None:
            decision = step.decision
            found.setdefault(_fold(decision.question), Item(
                f"Step {number}", decision.question, {
                    "chosen": decision.chosen, "considered": frozenset(decision.options)}))
    return found


def _hunks(trace: AnyTrace) -> dict[str, Item]:
    assert isinstance(trace, Trace)
    return {(key := _normal_ref(hunk.ref)): Item("Hunks", key, {
        "necessity": hunk.necessity.value, "tests": frozenset(hunk.tests)})
        for hunk in trace.hunks}


def _tests(trace: AnyTrace) -> dict[str, Item]:
    if isinstance(trace, TraceV1):
        return {(key := node_id(t.test)): Item("Tests", key, {
            "fails before": str(t.fails_before).lower(),
            "passes after": str(t.passes_after).lower()}) for t in trace.tests}
    return {t.id: Item("Tests", t.id, {
        "set": t.set.value, "visible": str(t.visible_to_agent).lower(),
        "before": t.before.value, "after": t.after.value, "source": t.source})
        for t in trace.tests}


def _normal_ref(text: str) -> str:
    """A reference as the grammar formats it (so ``#L5`` and ``#L5@base`` stay apart only
    where they differ in meaning), or as written when it does not parse."""
    try:
        return parse_ref(text).format()
    except RefError:
        return text


# -- places: lines, symbols, steps ----------------------------------------------------------

@dataclass
class Places:
    """Per key (a file, or the trajectory): line ranges and named places."""

    spans: dict[str, list[Span]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)

    def add_span(self, key: str, first: int, last: int) -> None:
        self.spans.setdefault(key, []).append((min(first, last), max(first, last)))

    def add_name(self, key: str, name: str) -> None:
        self.names.setdefault(key, set()).add(name)

    def keys(self) -> set[str]:
        return set(self.spans) | set(self.names)


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint ranges covering the same numbers."""
    out: list[Span] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _size(spans: list[Span]) -> int:
    return sum(last - first + 1 for first, last in spans)


def _common(x: list[Span], y: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        first, last = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if first <= last:
            out.append((first, last))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def _minus(x: list[Span], y: list[Span]) -> list[Span]:
    """The numbers of ``x`` not in ``y`` (both merged); one pass over each."""
    out, j = [], 0
    for first, last in x:
        while j < len(y) and y[j][1] < first:
            j += 1
        start, k = first, j
        while k < len(y) and y[k][0] <= last:
            if y[k][0] > start:
                out.append((start, y[k][0] - 1))
            start = max(start, y[k][1] + 1)
            k += 1
        if start <= last:
            out.append((start, last))
    return out


def _spans_text(spans: list[Span], key: str) -> list[str]:
    """``L4-L9`` for lines, ``step 4-9`` for trajectory steps."""
    if key == STEPS_KEY:
        return [f"step {a}" if a == b else f"step {a}-{b}" for a, b in spans]
    return [f"L{a}" if a == b else f"L{a}-L{b}" for a, b in spans]


def _places_figure(figure: str, left: Places, right: Places
                   ) -> tuple[float | None, list[Difference], dict[str, float]]:
    """Jaccard per key and over all keys, and what each side holds that the other lacks."""
    common_all = union_all = 0
    per_key: dict[str, float] = {}
    differences = []
    for key in sorted(left.keys() | right.keys()):
        a, b = _merged(left.spans.get(key, [])), _merged(right.spans.get(key, []))
        names_a, names_b = left.names.get(key, set()), right.names.get(key, set())
        common = _size(_common(a, b)) + len(names_a & names_b)
        union = _size(a) + _size(b) - _size(_common(a, b)) + len(names_a | names_b)
        common_all, union_all = common_all + common, union_all + union
        per_key[key] = _share(common, union) or 0.0
        if common < union:
            only_a = _spans_text(_minus(a, b), key) + sorted(names_a - names_b)
            only_b = _spans_text(_minus(b, a), key) + sorted(names_b - names_a)
            differences.append(Difference(figure, "Root cause" if figure == "root_cause"
                                          else "body", key,
                                          "only here: " + (", ".join(only_a) or "-"),
                                          "only here: " + (", ".join(only_b) or "-")))
    return _share(common_all, union_all), differences, per_key


def _file_key(ref: FileRef) -> str:
    return ref.path + ("@patched" if ref.rev == "patched" else "")


def _add_file(places: Places, ref: FileRef) -> None:
    key = _file_key(ref)
    if ref.start is not None:
        places.add_span(key, ref.start, ref.last or ref.start)
    else:
        places.add_name(key, f"::{ref.symbol}" if ref.symbol else "(whole file)")


def _root_places(trace: AnyTrace) -> Places:
    assert isinstance(trace, Trace)
    places = Places()
    for where in trace.root_cause.where:
        try:
            ref = parse_ref(where)
        except RefError:
            places.add_name(where, "(unreadable)")
            continue
        if isinstance(ref, FileRef):
            _add_file(places, ref)
        else:
            places.add_name(ref.format(), "(not a file)")
    return places


def _cited(side: LoadedTrace) -> Places:
    places = Places()
    for occurrence in find_references(side.draft.body):
        if isinstance(occurrence.ref, FileRef):
            _add_file(places, occurrence.ref)
    return places


def _cited_steps(side: LoadedTrace) -> Places:
    places = Places()
    for occurrence in find_references(side.draft.body):
        if isinstance(occurrence.ref, StepRef):
            places.add_span(STEPS_KEY, occurrence.ref.start, occurrence.ref.last)
    return places
