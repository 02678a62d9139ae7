"""draft.md front matter: split, join, hash, and broken front matter."""

from __future__ import annotations

import pytest

from reasondraft.document import body_hash, join_document, read_draft, split_document
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
    assert draft.front == {} and draft.body_line == 1
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
    assert lenient.front_error is not None and lenient.front == {}
    assert lenient.body
