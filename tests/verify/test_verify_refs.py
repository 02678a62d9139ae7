"""The [[reference]] grammar: parsing, formatting back, and finding references in Markdown."""

from __future__ import annotations

import pytest

from reasondraft.refs import (
    FileRef,
    RefError,
    StepRef,
    TestRef,
    find_references,
    format_ref,
    parse_ref,
)


@pytest.mark.parametrize("text, expected", [
    ("pkg/a.py", FileRef("pkg/a.py")),
    ("pkg/a.py#L4", FileRef("pkg/a.py", 4)),
    ("pkg/a.py#L4-L9", FileRef("pkg/a.py", 4, 9)),
    ("pkg/a.py#L4-L4", FileRef("pkg/a.py", 4, 4)),
    ("pkg/a.py#L40-L44@patched", FileRef("pkg/a.py", 40, 44, rev="patched")),
    ("pkg/a.py@base", FileRef("pkg/a.py", rev="base")),
    ("pkg/a.py::Session.request", FileRef("pkg/a.py", symbol="Session.request")),
    ("pkg/a.py::f@patched", FileRef("pkg/a.py", symbol="f", rev="patched")),
    ("docs/My File.md", FileRef("docs/My File.md")),
    ("pkg/a.py#L0", FileRef("pkg/a.py", 0)),
    ("pkg/a.py#L9-L3", FileRef("pkg/a.py", 9, 3)),
    ("test:tests/test_x.py::TestY::test_z[param-1]",
     TestRef("tests/test_x.py::TestY::test_z[param-1]")),
    ("test:test_foo (model_fields.test_jsonfield.TestQuerying)",
     TestRef("test_foo (model_fields.test_jsonfield.TestQuerying)")),
    ("step:7", StepRef(7)),
    ("step:7-9", StepRef(7, 9)),
])
def test_parse_and_format_round_trip(text: str, expected) -> None:
    assert parse_ref(text) == expected
    assert format_ref(parse_ref(text)) == text


@pytest.mark.parametrize("text, message, suggestion", [
    ("", "empty", None),
    ("pkg/a.py#L", "#L<line>", None),
    ("pkg/a.py#L4-6", "#L<line>", "pkg/a.py#L4-L6"),
    ("pkg/a.py#42", "#L<line>", "pkg/a.py#L42"),
    ("pkg/a.py#L05", "#L<line>", "pkg/a.py#L5"),
    ("README.md#usage", "#L<line>", None),
    ("step:", "step:N", None),
    ("step:x", "step:N", None),
    ("step:3-", "step:N", None),
    ("test:", "node id", None),
    ("http://example.com", "unknown reference scheme 'http:'", None),
    ("Step:3", "unknown reference scheme", "step:3"),
    ("pkg/a.py@head", "unknown revision '@head'", None),
    ("pkg/a.py::A::b", "dotted name", "pkg/a.py::A.b"),
    ("pkg/a.py::", "dotted name", None),
    (" pkg/a.py", "spaces", "pkg/a.py"),
    ("#L4", "no file", None),
])
def test_malformed_references_are_errors_with_hints(text, message, suggestion) -> None:
    with pytest.raises(RefError) as caught:
        parse_ref(text)
    assert message in caught.value.message
    assert caught.value.suggestion == suggestion


def test_positions_code_and_escapes() -> None:
    text = ("# Title\n"
            "See [[a.py#L1-L3]] and `[[no.py]]` and \\[[esc.py]] and ``a `[[b]]` c``.\n"
            "Then [[test:t.py::test_a[x-1]]] and [see [[b.py]]](http://x) [[step:3]]]\n"
            "\n"
            "```python\n"
            "[[fenced.py]]\n"
            "```\n"
            "\n"
            "    [[indented.py]]\n"
            "\n"
            "<!-- [[html.py]] -->\n")
    found = [(o.raw, o.line, o.column) for o in find_references(text)]
    assert found == [("a.py#L1-L3", 2, 7), ("test:t.py::test_a[x-1]", 3, 8),
                     ("b.py", 3, 44), ("step:3", 3, 64)]
    lines = text.split("\n")
    for raw, line, column in found:
        assert lines[line - 1][column - 1:column - 1 + len(raw)] == raw


def test_quote_blocks_sections_and_blocks() -> None:
    text = ("## Step 1: Look\n\n"
            "First [[a.py]] and [[step:1]].\n\n"
            "- item [[b.py]]\n"
            "- item [[c.py]]\n\n"
            "> ```quote a.py#L2-L3\n"
            "> x = 1\n"
            "> ...\n"
            "> ```\n\n"
            "## Tests\n\n"
            "| t | why |\n|---|---|\n| [[test:t.py::a]] | [[test:t.py::b]] |\n")
    found = find_references(text)
    assert [o.raw for o in found] == ["a.py", "step:1", "b.py", "c.py", "a.py#L2-L3",
                                      "test:t.py::a", "test:t.py::b"]
    assert found[0].block is found[1].block and found[2].block != found[3].block
    quote = found[4]
    assert quote.quote == ("x = 1", "...") and (quote.line, quote.column) == (8, 12)
    assert [o.block.section for o in found] == ["Step 1: Look"] * 5 + ["Tests"] * 2
    assert found[5].line == found[6].line == 17


def test_malformed_and_empty_quote_are_occurrences_not_crashes() -> None:
    found = find_references("[[foo.py#L]] [[step:]] [[nope:x]]\n\n```quote\nx\n```\n")
    assert [o.ref for o in found] == [None] * 4
    assert all(o.error is not None for o in found)
    assert "names no reference" in found[3].error.message


def test_crlf_and_unclosed_brackets() -> None:
    found = find_references("a [[x.py]]\r\nb [[y.py\r\nc data[[0]] [[z.py]]\r\n")
    assert [(o.raw, o.line) for o in found] == [("x.py", 1), ("0", 3), ("z.py", 3)]


def test_text_without_references_is_cheap_and_empty() -> None:
    assert find_references("# Title\n\nPlain prose with [one bracket].\n") == []
