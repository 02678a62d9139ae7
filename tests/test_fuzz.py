"""Property-based fuzzing of the parsers of untrusted input (hypothesis).

Trajectory readers: the project's fixtures in every format, with nodes of their JSON
replaced by values of other types, deleted, truncated or nested (a few levels, or past
the nesting bound), and the text cut short. Whatever comes out, reading it either
succeeds (and everything ``inspect`` does with the result works) or raises the one
bad-input error, on one line naming the file. Front matter: random YAML-ish text between
the fences is read or refused with InputError. References: random draft bodies always
give findings, never an exception.

The normal suite runs a few dozen examples per property, derandomized; set
``REASONDRAFT_FUZZ=deep`` for thousands of random ones (``REASONDRAFT_FUZZ_EXAMPLES=N`` to
choose how many).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reasondraft.document import split_document
from reasondraft.errors import InputError
from reasondraft.refs import find_references
from reasondraft.trajectory import load_trajectory, summarize, to_atif

DEEP = os.environ.get("REASONDRAFT_FUZZ") == "deep"
FUZZ = settings(
    max_examples=int(os.environ.get("REASONDRAFT_FUZZ_EXAMPLES", 3000 if DEEP else 60)),
    deadline=None, derandomize=not DEEP, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIXTURES = Path(__file__).parent / "trajectory" / "fixtures"
TRAJECTORIES = sorted(p.name for p in FIXTURES.iterdir())
ROW_ID = "acme__widgets-7"  # the row of openhands_output.jsonl that is read

Key = str | int


# -- JSON mutations ----------------------------------------------------------------------

class Nested:
    """A value wrapped ``depth`` lists deep, spelled out as text when written (json.dumps
    itself cannot write what is deeper than the interpreter's recursion limit)."""

    def __init__(self, depth: int, inner: Any) -> None:
        self.depth, self.inner = depth, inner


def dumps(value: Any) -> str:
    """JSON text of ``value`` with each :class:`Nested` written out."""
    nested: list[Nested] = []

    def mark(item: Any) -> str:
        nested.append(item)
        return f"@@nested{len(nested) - 1}@@"

    text = json.dumps(value, default=mark)
    for index, item in enumerate(nested):
        text = text.replace(f'"@@nested{index}@@"',
                            "[" * item.depth + dumps(item.inner) + "]" * item.depth)
    return text


def paths(value: Any, prefix: tuple[Key, ...] = ()) -> list[tuple[Key, ...]]:
    """The path of every node below the root."""
    found: list[tuple[Key, ...]] = []
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


SCALARS = (st.none() | st.booleans() | st.integers(-2, 3) | st.integers() | st.floats()
           | st.just(10**30) | st.text(max_size=8)
           | st.sampled_from(["", "assistant", "tool", "user", "agent", "run", "message",
                              "/testbed/a.py", "call_1", "tool_use", "text",
                              "{\"command\": \"ls\"}", "[1, 2]", "2025-01-01T00:00:00",
                              "mini-swe-agent-1.1", "ATIF-v1.4"]))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["role", "content", "type", "text", "id", "name", "action",
                         "function", "arguments", "tool_calls", "x"]) | st.text(max_size=4),
        inner, max_size=3),
    max_leaves=6)


@st.composite
def replacement(draw: st.DrawFn, old: Any) -> Any:
    """A new value for a node: another JSON value, a cut or nested form of the old one."""
    choice = draw(st.sampled_from(["value", "value", "value", "cut", "wrap", "nest"]))
    if choice == "cut" and isinstance(old, str | list) and old:
        return old[:draw(st.integers(0, len(old) - 1))]
    if choice == "wrap":
        return draw(st.sampled_from([[old], {"x": old}, dumps(old)]))
    if choice == "nest":
        return Nested(draw(st.sampled_from([2, 99, 100, 101, 990, 5000])), old)
    return draw(JSON_VALUES)


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` with one to three nodes replaced or deleted (the root too, rarely)."""
    if draw(st.integers(0, 30)) == 0:
        return draw(replacement(doc))
    for _ in range(draw(st.integers(1, 3))):
        found = paths(doc)
        if not found:
            break
        path = draw(st.sampled_from(found))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.integers(0, 6)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(replacement(parent[path[-1]]))
    return doc


def read_fixture(name: str) -> Any:
    """A fixture as one JSON value: a JSONL file is its list of rows, an event folder a
    mapping from file name to event."""
    path = FIXTURES / name
    if path.is_dir():
        return {p.name: json.loads(p.read_text()) for p in sorted((path / "events").iterdir())}
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def write_fixture(name: str, doc: Any, folder: Path, cut: int | None) -> Path:
    """The mutated fixture written in its form (a cut shortens the text of a file)."""
    target = folder / name
    if (FIXTURES / name).is_dir():
        events = target / "events"
        events.mkdir(parents=True)
        if isinstance(doc, dict):
            for file, event in doc.items():
                (events / str(file).replace("/", "_")).write_text(dumps(event))
        return target
    if name.endswith(".jsonl") and isinstance(doc, list):
        text = "\n".join(dumps(row) for row in doc) + "\n"
    else:
        text = dumps(doc)
    target.write_text(text[:cut] if cut is not None else text)
    return target


def exercise(path: Path) -> None:
    """Read a trajectory and do with it what ``inspect`` does; only InputError may escape."""
    traj = load_trajectory(path, ROW_ID if path.suffix == ".jsonl" else None)
    json.dumps(summarize(traj, with_steps=True))
    json.dumps(to_atif(traj))
    for step in traj.steps:
        str(step.action.arguments)


def assert_reads_or_refuses(path: Path) -> None:
    try:
        exercise(path)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert message.startswith(str(path)), message


@FUZZ
@given(data=st.data(), name=st.sampled_from(TRAJECTORIES))
def test_mutated_trajectories_read_or_refuse_in_one_line(data: st.DataObject,
                                                         name: str) -> None:
    doc = data.draw(mutated(read_fixture(name)))
    cut = data.draw(st.none() | st.integers(0, 4000)) if data.draw(st.integers(0, 9)) == 0 \
        else None
    with tempfile.TemporaryDirectory() as tmp:
        assert_reads_or_refuses(write_fixture(name, doc, Path(tmp), cut))


@FUZZ
@given(data=st.data(), name=st.sampled_from([n for n in TRAJECTORIES
                                              if not (FIXTURES / n).is_dir()]))
def test_damaged_trajectory_text_reads_or_refuses(data: st.DataObject, name: str) -> None:
    """Byte-level damage: a span of the file replaced by random text."""
    text = (FIXTURES / name).read_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    text = text[:start] + data.draw(st.text(max_size=12)) + text[end:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        assert_reads_or_refuses(path)


def test_fixture_copies_read_unchanged() -> None:
    """The harness itself: a fixture written back unmutated still reads (so the fuzz tests
    reach the readers rather than failing on their own writing)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in TRAJECTORIES:
            path = write_fixture(name, read_fixture(name), Path(tmp), None)
            exercise(path)
            shutil.rmtree(path) if path.is_dir() else path.unlink()


# -- front matter -----------------------------------------------------------------------

YAML_KEYS = st.sampled_from(["status", "review", "instance_id", "reviewer", "content_hash",
                             "provenance", "errors", "<<", "? a", "&k key", "*k", "'q'",
                             "é"]) | st.text("abz_-", min_size=1, max_size=4)
YAML_SCALARS = st.sampled_from([
    "", "draft", "approved", "~", "null", "true", "maybe", "-1", "1e400", "0x1F", "0o17",
    ".nan", "2024-01-02", "2001-13-45", "2021-02-30 10:00:00", "2020-01-01T10:00:00+99:99",
    "!!int x", "!!float x", "!!bool x", "!!binary x", "!!timestamp x", "!!set {a}",
    "!!omap [a]", "!!pairs [a: 1]", "!!python/object:os.system x", "&a 1", "*a", "*b",
    "[a, [b, {c: d}]]", "{a: [1, 2]}", "'quoted", '"esc \\x"', "\x1b]0;title\x07",
    "[", "{"]) | st.text(max_size=8)
# Front matter as data: a mapping whose leaves are raw YAML scalar text.
YAML_TREES = st.recursive(YAML_SCALARS, lambda inner: st.lists(inner, min_size=1, max_size=3)
                          | st.dictionaries(YAML_KEYS, inner, min_size=1, max_size=3),
                          max_leaves=10)


def yaml_lines(tree: Any, indent: str = "") -> list[str]:
    """Block-style YAML for a tree of raw scalars (a scalar is written as it is)."""
    items = tree.items() if isinstance(tree, dict) else [("-", v) for v in tree]
    lines = []
    for key, value in items:
        head = f"{indent}{key}" + ("" if key == "-" else ":")
        if isinstance(value, dict | list):
            lines += [head, *yaml_lines(value, indent + "  ")]
        else:
            lines.append(f"{head} {value}")
    return lines


@st.composite
def yaml_ish(draw: st.DrawFn) -> str:
    """Front matter text: mostly well-formed block YAML with odd scalars; sometimes token
    soup, or flow collections nested deep."""
    shape = draw(st.integers(0, 7))
    if shape == 0:
        depth = draw(st.sampled_from([10, 99, 100, 101, 500, 998, 999, 1001, 5000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("[{a: ", "}]")]))
        return f"{draw(YAML_KEYS)}: " + opener * depth + closer * depth
    if shape == 1:
        return "".join(draw(st.lists(YAML_KEYS | YAML_SCALARS | st.sampled_from(
            [": ", "- ", "\n", "\n  ", ",", "#", "---", "...", "%YAML 1.1"]), max_size=30)))
    return "\n".join(yaml_lines(draw(st.dictionaries(YAML_KEYS, YAML_TREES, max_size=5))))


@FUZZ
@given(front=yaml_ish(), body=st.text(max_size=40))
def test_front_matter_reads_or_refuses(front: str, body: str) -> None:
    text = f"---\n{front}\n---\n{body}"
    try:
        draft = split_document(text, "draft.md")
    except InputError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith("draft.md:")
    else:
        assert isinstance(draft.front, dict)
        assert draft.content_hash.startswith("sha256:")
    lenient = split_document(text, "draft.md", strict=False)
    assert lenient.front_error is None or "\n" not in lenient.front_error


@pytest.mark.parametrize(("front", "expected"), [
    ("status: draft\ncreated: 2001-13-45", "draft.md:3: cannot read '2001-13-45' as timestamp"),
    ("reviewed: 2021-02-30 10:00:00",
     "draft.md:2: cannot read '2021-02-30 10:00:00' as timestamp"),
    ("errors: !!int x", "draft.md:2: cannot read 'x' as int"),
    ("signed: !!bool maybe", "draft.md:2: cannot read 'maybe' as bool"),
    ("status: " + "[" * 999 + "]" * 999,
     "draft.md:2: front matter nests deeper than 32 levels"),
    ("review: " + "{a: " * 101 + "1" + "}" * 101,
     "draft.md:2: front matter nests deeper than 32 levels"),
])
def test_front_matter_cases_the_fuzzing_found(front: str, expected: str) -> None:
    """PyYAML's constructors raised ValueError/KeyError for these; ``status`` of 999
    nested lists raised RecursionError."""
    text = f"---\n{front}\n---\nbody\n"
    with pytest.raises(InputError) as info:
        split_document(text, "draft.md")
    assert str(info.value) == expected
    assert split_document(text, "draft.md", strict=False).front_error == expected


# -- references --------------------------------------------------------------------------

BODY_PIECES = st.sampled_from([
    "[[", "]]", "[", "]", "`", "``", "```", "```quote ", "~~~", "\\", "#L", "#L1-L3", "-L",
    "::", "@base", "@patched", "step:", "test:", "a.py", "pkg/x.py", "0", "12", " ", "\n",
    "\n\n", "    ", "# ", "> ", "- ", "| a | b |\n|---|---|\n", "<div>", "\r", "\t", "é"])


@FUZZ
@given(pieces=st.lists(BODY_PIECES | st.text(max_size=5), max_size=60))
def test_reference_parser_returns_findings(pieces: list[str]) -> None:
    body = "".join(pieces)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for found in find_references(body):
        assert (found.ref is None) == (found.error is not None)
        assert 1 <= found.line <= len(lines)
