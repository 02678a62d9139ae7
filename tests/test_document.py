"""draft.md front matter: split, join, hash, and broken front matter."""

from __future__ import annotations

import tracemalloc

import pytest

from reasondraft.document import (
    MAX_FRONT_CHARS,
    MAX_FRONT_DEPTH,
    body_hash,
    join_document,
    read_draft,
    split_document,
)
from reasondraft.errors import InputError

DOC = "---\ninstance_id: acme__w-1\nstatus: draft\n---\n# Summary\n\nText [[a.py#L1]].\n"


def test_split_and_join_round_trip() -> None:
    draft = split_document(DOC)
    assert draft.front == {"instance_id": "acme__w-1", "status": "draft"}
    assert draft.body == "# Summary\n\nText [[a.py#L1]].\n"
    assert draft.body_line == 5
    assert draft.render() == DOC
    assert draft.content_hash == body_hash(draft.body)
    assert draft.content_hash.startswith("sha256:")


def test_no_front_matter_is_all_body() -> None:
    draft = split_document("# Summary\nhand written\n")
    assert draft.front == {}
    assert draft.body_line == 1
    assert join_document({}, draft.body) == "# Summary\nhand written\n"


@pytest.mark.parametrize(("text", "message"), [
    ("---\ninstance_id: [unclosed\n---\nbody\n", r"draft\.md:\d+: front matter is not valid"),
    ("---\n- a\n- b\n---\nbody\n", r"draft\.md:2: front matter is not a mapping"),
    ("---\ninstance_id: x\nbody without closing\n", r"draft\.md:1: .*no closing"),
])
def test_broken_front_matter(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "draft.md"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_draft(path)
    lenient = read_draft(path, strict=False)
    assert lenient.front_error is not None
    assert lenient.front == {}
    assert lenient.body


def bomb(levels: int = 9, width: int = 10) -> str:
    """The billion laughs: each level lists the one before ``width`` times."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]"
              for n in range(1, levels)]
    return "---\ninstance_id: x\n" + "\n".join(lines) + "\n---\n# Summary\n"


def test_aliases_are_refused_before_anything_is_built(tmp_path) -> None:
    path = tmp_path / "draft.md"
    path.write_text(bomb())
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"draft\.md:4: YAML alias '\*a0': anchors and "
                                             "aliases are not allowed in front matter"):
            read_draft(path)
        lenient = read_draft(path, strict=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lenient.front == {}
    assert lenient.body == "# Summary\n"
    assert "draft.md:4: YAML alias" in lenient.front_error
    assert peak < 2_000_000  # refused on the composed nodes: no value was built or walked


def test_a_self_referencing_alias_is_refused() -> None:
    with pytest.raises(InputError, match=r"draft:3: YAML alias '\*x'"):
        split_document("---\na: &x [1]\nb: [*x]\n---\nbody\n")


@pytest.mark.parametrize(("front", "line", "key", "first"), [
    ("review: {decision: approved}\nstatus: draft\nreview: {decision: rejected}\n", 4,
     "review", 2),
    ("provenance:\n  model: a\n  inputs: {}\n  model: b\n", 5, "model", 3),
    ("review_history:\n  - {reviewer: a, reviewer: b}\n", 3, "reviewer", 3),
])
def test_duplicate_keys_anywhere_are_refused_with_line_and_key(front: str, line: int,
                                                               key: str, first: int) -> None:
    text = f"---\n{front}---\nbody\n"
    message = rf"draft\.md:{line}: duplicate key '{key}' \(first on line {first}\)"
    with pytest.raises(InputError, match=message):
        split_document(text, "draft.md")
    assert split_document(text, "draft.md", strict=False).front_error is not None


def test_nesting_is_bounded() -> None:
    deep = "---\nnotes: " + "[" * 500 + "]" * 500 + "\n---\nbody\n"
    with pytest.raises(InputError, match=rf"draft:2: front matter nests deeper than "
                                         rf"{MAX_FRONT_DEPTH} levels"):
        split_document(deep)
    assert "nests deeper" in split_document(deep, strict=False).front_error
    depth = MAX_FRONT_DEPTH - 1  # lists inside the top-level mapping: just within the bound
    fine = split_document("---\nnotes: " + "[" * depth + "]" * depth + "\n---\n").front
    assert str(fine["notes"]) == "[" * depth + "]" * depth


def test_front_matter_size_is_bounded() -> None:
    text = "---\nnote: '" + "x" * MAX_FRONT_CHARS + "'\n---\nbody\n"
    with pytest.raises(InputError, match=r"draft:2: front matter is longer than 262,144 "):
        split_document(text)


def test_written_front_matter_never_holds_aliases() -> None:
    shared = {"references": 1, "errors": 0, "warnings": 0}
    text = join_document({"a": shared, "b": shared, "c": [shared]}, "body\n")
    assert "&" not in text
    assert "*" not in text
    assert split_document(text).front == {"a": shared, "b": shared, "c": [shared]}


def test_key_line_names_the_line_of_a_nested_key() -> None:
    draft = split_document("---\nx: 1\nreview:\n  verify:\n    errors: -1\n"
                           "review_history:\n  - {a: 1}\n  - {a: 2}\n---\nbody\n")
    assert draft.key_line(("review", "verify", "errors")) == 5
    assert draft.key_line(("review_history", 1, "a")) == 8
    assert draft.key_line(("review", "reviewer")) == 3  # missing: its parent
    assert draft.key_line(("nothing",)) == 1


@pytest.mark.parametrize(("value", "message"), [
    ("2001-02-30", "cannot read '2001-02-30' as timestamp"),
    ("!!int x", "cannot read 'x' as int"),
    ("!!bool maybe", "cannot read 'maybe' as bool"),
    ("!!timestamp soon", "cannot read 'soon' as timestamp"),
])
def test_values_python_cannot_build_are_bad_input_with_line(value: str, message: str) -> None:
    text = f"---\nstatus: draft\nwhen:\n  - {value}\n---\nbody\n"
    with pytest.raises(InputError, match=f"draft:4: {message}"):
        split_document(text)
    assert split_document(text, strict=False).front_error == f"draft:4: {message}"
