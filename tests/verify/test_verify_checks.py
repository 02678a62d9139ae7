"""Each check catches its error on a real repository and is silent on a correct reference."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reasondraft.repo import Rev
from reasondraft.verify import VerifyContext, check_body, symbols, verify_body
from reasondraft.verify.findings import CODES, FAMILIES, family

CLEAN = '''## Summary

The bug is in [[pkg/core.py::merge_setting]]: [[pkg/core.py#L40-L41]] returns early, and
nothing handles a missing request setting (`[[not/a/ref.py]]` is inline code).

## Step 1: Read the code

Phase: understand · Trajectory steps: [[step:1]]

Reading [[pkg/core.py::Session.fetch]] (async), [[pkg/core.py::Session.host]] (a property),
[[pkg/core.py::Session.cached]] (decorated), [[pkg/core.py::Session.Config.describe]] and
[[pkg/core.py::Session.Config.verbose]] (nested class), [[pkg/core.py::Session.headers]],
[[pkg/core.py::RETRIES]] and [[pkg/core.py::DEFAULT_TIMEOUT]] [[step:1]].

```quote pkg/core.py#L39-L44
def merge_setting(request_setting, session_setting):
    if session_setting is None:
        return request_setting
    ...
    return merged
```

```python
x = data[[0]]  # [[fake.py]] inside a code block is not a reference
```

## Step 2: Fix it

Phase: implement · Trajectory steps: [[step:3-4]]

The fix adds a guard [[pkg/core.py#L42-L43@patched]] and raises the timeout
[[pkg/core.py#L4@patched]], changed from [[pkg/core.py#L4]]. The module
[[pkg/old_name.py#L1-L2]] is renamed to [[pkg/new_name.py#L1-L2@patched]], and
[[pkg/added.py]] adds [[pkg/added.py::brand_new@patched]] ([[pkg/added.py#L1-L2@patched]]).

```quote pkg/crlf.py#L1-L3@patched
    def windows():
        value = 2
        return value
```

The front end: [[src/app.js::Widget.render]], [[src/app.js::mount]], [[src/app.js::unmount]],
and [[docs/guide.md]].

## Tests

- [[test:tests/test_core.py::TestMerge::test_request_none]] fails before the fix and passes \
after: the new guard.
- [[test:tests/test_core.py::test_helper[1-2]]] passes before the fix and passes after.
- [[test:tests/test_new.py::test_added]] passes before and after: added by the test patch.
- [[test:tests/test_core.py::TestMerge]] is the class; [[test:tests/test_core.py]] the file.
'''


@pytest.fixture
def ctx(project) -> VerifyContext:
    return project.context()


def found(ctx: VerifyContext, body: str, *, keep: tuple[str, ...] = ()) -> list[tuple]:
    """(code, suggestion, fixable) of each finding, without coverage/step noise."""
    return [(f.code, f.suggestion, f.fixable) for f in verify_body(body, ctx)
            if f.code not in {"RD-C001", "RD-P003"} - set(keep)]


def test_clean_draft_has_no_findings(ctx) -> None:
    report = check_body(CLEAN, ctx)
    assert report.findings == []
    assert report.summary == {"references": 32, "errors": 0, "warnings": 0}
    assert all(c.target is not None for c in report.citations if not c.raw.startswith("step"))


def test_citations_carry_what_they_point_at(ctx) -> None:
    report = check_body(CLEAN, ctx, line_offset=10)
    first = report.citations[0]
    assert (first.line, first.occurrence.column) == (13, 17)
    assert first.target.lines[0] == "def merge_setting(request_setting, session_setting):"
    crlf = next(c for c in report.citations if c.raw.startswith("pkg/crlf.py"))
    assert crlf.target.lines == ("def windows():", "    value = 2", "    return value")
    added_test = next(c for c in report.citations if "test_added" in c.raw)
    assert (added_test.target.path, added_test.target.rev.value) == ("tests/test_new.py",
                                                                     "patched")


@pytest.mark.parametrize("ref, code, suggestion, fixable", [
    ("pkg/cor.py", "RD-F001", "pkg/core.py", False),
    ("lib/core.py#L4", "RD-F001", "pkg/core.py#L4", False),
    ("/testbed/pkg/core.py#L4", "RD-F001", "pkg/core.py#L4", True),
    ("/repo/pkg/core.py", "RD-F001", "pkg/core.py", True),
    ("/app/pkg/core.py::helper", "RD-F001", "pkg/core.py::helper", True),
    ("/workspace/demo/pkg/core.py#L1@patched", "RD-F001", "pkg/core.py#L1@patched", True),
    ("/demo__demo/pkg/core.py", "RD-F001", "pkg/core.py", True),
    ("/pkg/core.py", "RD-F001", "pkg/core.py", True),
    ("/home/me/demo/pkg/core.py", "RD-F003", "pkg/core.py", False),
    ("../etc/passwd", "RD-F003", None, False),
    ("/etc/passwd", "RD-F003", None, False),
    ("pkg/added.py#L1", "RD-F002", "pkg/added.py#L1@patched", False),
    ("pkg/added.py#L1@base", "RD-F001", "pkg/added.py#L1@patched", False),
    ("pkg/old_name.py#L1@patched", "RD-F001", "pkg/new_name.py#L1@patched", False),
    ("docs/guide.md@patched", "RD-F004", "docs/guide.md", False),
    ("pkg/", "RD-F001", None, False),
    ("pkg/core.py#L45", "RD-L001", None, False),
    ("pkg/core.py#L47@patched", "RD-L001", None, False),
    ("pkg/core.py#L9-L8", "RD-L002", "pkg/core.py#L8-L9", False),
    ("pkg/core.py#L0", "RD-L003", None, False),
    ("pkg/core.py::Sesion", "RD-S001", "pkg/core.py::Session", False),
    ("pkg/core.py::Session.nothing", "RD-S001", None, False),
    ("pkg/core.py::keep", "RD-S001", "pkg/old_name.py::keep", False),
    ("pkg/core.py::brand_new@patched", "RD-S001", "pkg/added.py::brand_new@patched", False),
    ("src/app.js::Widget.paint", "RD-S001", None, False),
    ("test:tests/test_core.py::test_missing", "RD-T001", None, False),
    ("test:tests/test_core.py::TestMerge::test_request", "RD-T001", None, False),
    ("test:tests/test_cor.py::test_helper", "RD-T001", "test:tests/test_core.py::test_helper",
     False),
    ("test:test_never_defined", "RD-T001", None, False),
    ("test:/testbed/tests/test_core.py::test_helper", "RD-T001",
     "test:tests/test_core.py::test_helper", False),
    ("test:../tests/test_core.py::test_helper", "RD-T001", None, False),
    ("step:6", "RD-P001", None, False),
    ("step:0", "RD-P001", None, False),
    ("step:4-2", "RD-P001", "step:2-4", False),
    ("step:4-9", "RD-P001", "step:5", False),
    ("foo.py#L", "RD-R001", None, False),
    ("step:", "RD-R001", None, False),
    ("https://example.com", "RD-R001", None, False),
    # a suggestion is offered only if it verifies itself
    ("pkg/cores.py#L100", "RD-F001", None, False),  # the nearest path has 48 lines
    ("pkg/core.py#L99-L3", "RD-L002", None, False),  # L3-L99 is past the end too
    ("pkg/old_name.py#L9@patched", "RD-F001", None, False),  # the renamed file has 6 lines
    ("test:tests/test_cor.py::test_nothing", "RD-T001", None, False),  # nor defined there
    ("pkg/cores.py#L8", "RD-F001", "pkg/core.py#L8", False),
])
def test_each_check_catches_its_error(ctx, ref, code, suggestion, fixable) -> None:
    assert found(ctx, f"See [[{ref}]].\n") == [(code, suggestion, fixable)]


def test_unterminated_reference_is_malformed(ctx) -> None:
    findings = [f for f in verify_body("Intro.\n\nSee [[foo.py#L1 for the helper.\n", ctx,
                                       line_offset=4) if f.code != "RD-C001"]
    assert [(f.code, f.severity, f.line, f.ref) for f in findings] == [
        ("RD-R001", "error", 7, "foo.py#L1 for the helper.")]
    assert "unterminated reference" in findings[0].message
    assert found(ctx, "Index `rows[[0` here.\n\n```python\nx = m[[1\n```\n") == []


def test_absolute_path_in_the_repository_work_tree_is_a_safe_fix(ctx, project) -> None:
    ref = f"{project.path.resolve()}/pkg/core.py#L4"
    assert found(ctx, f"[[{ref}]]\n") == [("RD-F001", "pkg/core.py#L4", True)]


def test_tests_found_in_many_forms(ctx) -> None:
    body = ("[[test:test_helper]] [[test:tests/test_core.py::test_helper[2-4]]] "
            "[[test:test_both (tests.test_core.TestMerge)]] [[test:test_added]]\n")
    assert found(ctx, body) == []


def test_paths_written_with_dots_resolve(ctx) -> None:
    assert found(ctx, "[[./pkg/core.py#L42-L43@patched]] [[pkg//core.py::helper]]\n") == []


QUOTE = "```quote {ref}\n{text}\n```\n"


@pytest.mark.parametrize("ref, text, suggestion, fixable", [
    # the right text at shifted lines: the quote proves where it is
    ("pkg/core.py#L30-L31", "def helper(x):\n    return x * 2", "pkg/core.py#L8-L9", True),
    # a one-line quote, dedented, with trailing spaces
    ("pkg/core.py#L1", "        self.url = url   ", "pkg/core.py#L18", True),
    # base lines cited @patched where the diff moved them
    ("pkg/core.py#L42-L43@patched",
     "    merged = dict(session_setting)\n    merged.update(request_setting)",
     "pkg/core.py#L44-L45@patched", True),
    # patched lines cited at the base: they are only after the diff
    ("pkg/core.py#L42-L43",
     "    if request_setting is None:\n        return session_setting",
     "pkg/core.py#L42-L43@patched", False),
    ("pkg/core.py#L8-L9", "def helper(y):\n    return y", None, False),
    ("pkg/core.py#L8-L9", "", None, False),
])
def test_quote_mismatch(ctx, ref, text, suggestion, fixable) -> None:
    assert found(ctx, QUOTE.format(ref=ref, text=text)) == [("RD-Q001", suggestion, fixable)]


def test_quote_occurring_twice_is_not_fixed(ctx) -> None:
    body = QUOTE.format(ref="pkg/core.py#L1", text="    return merged")
    assert found(ctx, body) == [("RD-Q001", "pkg/core.py#L44", True)]
    twice = QUOTE.format(ref="pkg/core.py#L2", text="")
    assert found(ctx, twice)[0][0] == "RD-Q001"
    body = QUOTE.format(ref="pkg/core.py#L2", text="\n\n")
    assert found(ctx, body) == [("RD-Q001", None, False)]


def test_quote_on_a_symbol_or_file_should_cite_lines(ctx) -> None:
    body = QUOTE.format(ref="pkg/core.py::Session.host",
                        text='return self.url.split("/")[2]')
    assert found(ctx, body) == [("RD-Q002", "pkg/core.py#L23", True)]
    body = QUOTE.format(ref="pkg/core.py::helper", text="return 42")
    assert found(ctx, body) == [("RD-Q001", None, False)]


def test_quote_with_ellipsis_and_ranges_with_blank_edges(ctx) -> None:
    body = QUOTE.format(ref="pkg/core.py#L12-L19",
                        text='class Session:\n    ...\n    def __init__(self, url):\n'
                             '        ...\n        self.headers = {}')
    assert found(ctx, body) == []
    body = QUOTE.format(ref="pkg/core.py#L7-L10", text="def helper(x):\n    return x * 2")
    assert found(ctx, body) == []
    body = QUOTE.format(ref="pkg/core.py#L8-L9", text="def helper(x):\n  return x * 2")
    assert found(ctx, body)[0][0] == "RD-Q001"


def test_quote_citing_a_step_is_malformed(ctx) -> None:
    assert found(ctx, QUOTE.format(ref="step:1", text="x")) == [("RD-R001", None, False)]


def test_tests_said_to_fail_before_must_be_fail_to_pass(ctx) -> None:
    body = ("## Tests\n\n"
            "- [[test:tests/test_core.py::TestMerge::test_both]] fails before the fix and "
            "passes after.\n"
            "- [[test:tests/test_core.py::test_helper]] does not fail before the fix.\n"
            "- [[test:tests/test_core.py::TestMerge::test_request_none]] fails without the "
            "patch.\n")
    assert found(ctx, body) == [("RD-T002", None, False)]
    assert found(ctx, body.replace("## Tests", "## Notes")) == []


def test_step_that_mentions_none_of_the_paragraph_files(ctx) -> None:
    assert found(ctx, "Read [[docs/guide.md]] in [[step:2]].\n") == [("RD-P002", None, False)]
    assert found(ctx, "Ran [[test:tests/test_core.py::test_helper]] in [[step:2]].\n") == []
    assert found(ctx, "Read [[pkg/core.py]] and [[docs/guide.md]] in [[step:1-2]].\n") == []
    assert found(ctx, "Read [[docs/guide.md]].\n\nLater, [[step:2]].\n") == []


def test_without_trajectory_steps_are_noted_once(project) -> None:
    ctx = project.context(trajectory=False)
    findings = verify_body("[[step:1]] [[step:99]]\n[[docs/guide.md]] [[step:2]]\n", ctx)
    assert [(f.code, f.severity) for f in findings if f.code != "RD-C001"] == [
        ("RD-P003", "warning")]


def test_coverage_warns_per_uncited_hunk(ctx) -> None:
    findings = verify_body("Nothing cited.\n", ctx, line_offset=7)
    assert [(f.code, f.line, f.suggestion) for f in findings] == [
        ("RD-C001", 8, "pkg/added.py#L1-L2@patched"),
        ("RD-C001", 8, "pkg/core.py#L4@patched"),
        ("RD-C001", 8, "pkg/core.py#L42-L43@patched"),
        ("RD-C001", 8, "pkg/crlf.py#L2@patched"),
        ("RD-C001", 8, "pkg/new_name.py#L2@patched"),
    ]
    assert all(f.severity == "warning" and f.ref is None for f in findings)
    partial = "[[pkg/core.py::merge_setting@patched]] [[pkg/old_name.py#L2]] [[pkg/crlf.py#L2]]"
    assert [f.suggestion for f in verify_body(partial, ctx)] == [
        "pkg/added.py#L1-L2@patched", "pkg/core.py#L4@patched"]


def test_without_a_diff_or_instance_the_rest_still_checks(project) -> None:
    ctx = project.context(patch=False, instance=False, trajectory=False)
    assert verify_body("[[pkg/core.py#L4]] [[test:tests/test_core.py::test_helper]]\n",
                       ctx) == []
    assert [f.code for f in verify_body("[[tests/test_new.py]]\n", ctx)] == ["RD-F001"]


def test_context_from_a_loaded_task(project, tmp_path) -> None:
    from reasondraft.task import load_task

    folder = project.task_folder(tmp_path / "task", CLEAN)
    task = load_task(folder, repo=project.path)
    findings = verify_body(CLEAN, VerifyContext.from_task(task))
    assert [f.code for f in findings] == ["RD-P003"]  # the folder has no trajectory


def test_symlink_leaving_the_tree_is_a_finding_not_a_crash(make_repo) -> None:
    import os

    repo = make_repo("links")
    (repo.path / "link.py").parent.mkdir(parents=True, exist_ok=True)
    os.symlink("../../outside.py", repo.path / "link.py")
    repo.repo.index.add(["link.py"])
    base = repo.commit({"ok.py": "X = 1\n"})
    ctx = VerifyContext.from_parts(repo.path, base)
    body = "[[link.py]] [[link.py#L1]] [[test:link.py::test_x]] [[ok.py::X]]\n"
    assert [f.code for f in verify_body(body, ctx)] == ["RD-F003", "RD-F003", "RD-T001"]


def test_coverage_of_many_hunks_by_many_references(make_repo) -> None:
    """20,000 hunks and 20,000 references to the same file: coverage compared every hunk
    with every reference (minutes); now each hunk is one bisection."""
    from reasondraft.diff import parse_diff

    count = 20_000
    repo = make_repo("big")
    lines = [f"line {i}\n" for i in range(1, 2 * count + 1)]
    base = repo.commit({"big.txt": "".join(lines)})
    changed = [f"LINE {i}\n" if i % 2 else f"line {i}\n" for i in range(1, 2 * count + 1)]
    head = repo.commit({"big.txt": "".join(changed)})
    patch = parse_diff(repo.diff(base, head, "-U0"))
    assert len(patch.files[0].hunks) == count
    ctx = VerifyContext.from_parts(repo.path, base, patch=patch)
    uncited = 2 * 777 + 1
    body = " ".join(f"[[big.txt#L{n}@patched]]" for n in range(1, 2 * count, 2)
                    if n != uncited) + "\n"
    findings = verify_body(body, ctx)
    assert [(f.code, f.suggestion) for f in findings] == [
        ("RD-C001", f"big.txt#L{uncited}@patched")]


def test_long_step_ranges_cited_often_judge_each_step_once(project) -> None:
    """3,000 citations of a 3,000-step range: each citation judged every step of its range
    again (millions of checks); now each step is judged once per paragraph."""
    from reasondraft.trajectory.model import Action, Step, StepKind, Trajectory

    steps = [Step(number=n, kind=StepKind.VIEW, paths=["docs/guide.md"],
                  action=Action(name="bash", text=f"cat docs/guide.md  # {n}"))
             for n in range(1, 3001)]
    steps[1999] = steps[1999].model_copy(update={"paths": ["pkg/core.py"]})
    ctx = VerifyContext.from_parts(project.path, project.base,
                                   trajectory=Trajectory(format="swe-agent", steps=steps))
    body = "[[pkg/core.py#L4]] " + "[[step:1-1999]] " * 3000 + "[[step:1-3000]]\n"
    warned = [f for f in verify_body(body, ctx) if f.code == "RD-P002"]
    assert len(warned) == 3000
    assert {f.ref for f in warned} == {"step:1-1999"}


def test_every_code_has_a_family_and_reserved_ranges_land_in_theirs() -> None:
    """One table places every code by prefix and number; an unknown code is a reference's."""
    assert {code: family(code) for code in CODES}.keys() == CODES.keys()
    assert [family(c) for c in ("RD-H001", "RD-A004", "RD-O002", "RD-E001", "RD-E007",
                                "RD-T001", "RD-T002", "RD-T003", "RD-T009", "RD-D004",
                                "RD-D005", "RD-D007", "RD-D008", "RD-K001", "RD-K002",
                                "RD-C002", "RD-B003", "RD-X001", "odd")] == [
        "hindsight", "agent_path", "test_claims", "test_claims", "test_claims",
        "references", "test_claims", "f2p_coverage", "f2p_coverage", "structure",
        "decisions", "decisions", "structure", "code_consistency", "hunks",
        "hunks", "structure", "references", "references"]
    assert {family(code) for code in CODES} <= set(FAMILIES)


def test_a_test_the_test_patch_adds_is_found_without_parsing_the_base(project,
                                                                      monkeypatch) -> None:
    """Every side of the file is searched line by line before any is parsed: the base lacks a
    hidden FAIL_TO_PASS test, and parsing a large test file to confirm it was most of the
    time of a folder's verify."""
    parsed: list[str] = []
    real = symbols.parse_python
    monkeypatch.setattr(symbols, "parse_python", lambda text: parsed.append(text) or real(text))
    report = check_body("[[test:tests/test_core.py::TestMerge::test_request_none]]\n",
                        project.context())
    [c] = report.citations
    assert c.findings == []
    assert c.target is not None
    assert c.target.rev is Rev.PATCHED
    assert c.target.start is not None
    assert parsed == []


def test_a_test_patch_that_does_not_apply_is_a_finding(project) -> None:
    """The error was kept on the context and never read: tests the patch adds were then
    reported missing without a word on why."""
    broken = project.test_patch.replace("class TestMerge:", "class TestMerged:")
    instance = replace(project.instance, test_patch=broken)
    ctx = VerifyContext.from_parts(project.path, project.base, instance=instance)
    body = "See [[pkg/core.py#L1]] and [[test:tests/test_core.py::test_helper]].\n"
    [finding] = [f for f in verify_body(body, ctx, line_offset=7) if f.code == "RD-I002"]
    assert (finding.severity, finding.line) == ("warning", 8)
    assert "test patch does not apply" in finding.message
    assert "tests/test_core.py" in finding.message
    assert not [f for f in verify_body(body, project.context()) if f.code == "RD-I002"]
