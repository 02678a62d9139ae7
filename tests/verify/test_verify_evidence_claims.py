"""Evidence checks of what a trace claims (issue 14 items 2-4): defects planted in the
drafted example draft each give a finding naming what is wrong; the untouched drafts of both
examples give none; the guidelines file decides what is an error and the prompt says so."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reasondraft.body import parse_body, render_body
from reasondraft.document import read_draft
from reasondraft.draft.demo import example_repo
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.evaluation import load_evaluation
from reasondraft.resources import data_dir
from reasondraft.task import load_task
from reasondraft.trace import Trace
from reasondraft.verify import VerifyContext, check_body, verify_draft

OURS = re.compile(r"^RD-(E00[1-3]|T00[3-5]|D0(0[5-9]|1[0-2])|K00[12])$")
SHARES = "tests/test_merge.py::test_result_shares_no_section_with_override"
LEAF = "tests/test_merge.py::test_leaf_values_are_shared_not_copied"
LETTERS = "tests/test_slug.py::test_letters_without_a_decomposition_are_transliterated"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> dict[str, Path]:
    """Both examples drafted through the fixture model (the repair loop included)."""
    work = tmp_path_factory.mktemp("drafted")
    folders = {}
    for name, example in (("tinyconf", "example"), ("slugkit", "example2")):
        task = load_task(data_dir(example), repo=example_repo(work, name))
        if example == "example2":
            task.evaluation = load_evaluation(data_dir(example) / "report.json",
                                              task.instance_id, patch=task.patch)
        request = DraftRequest(model="fixture/example", log=work / f"{name}.jsonl")
        folders[name] = draft_task(task, request, work / "out").folder
    return folders


@pytest.fixture(scope="module")
def example(drafted) -> tuple[VerifyContext, str]:
    """The tinyconf context and its drafted body."""
    draft = read_draft(drafted["tinyconf"] / "draft.md")
    task = load_task(data_dir("example"), repo=example_repo(drafted["tinyconf"].parent.parent,
                                                            "tinyconf"))
    return VerifyContext.from_task(task), draft.body


def codes(ctx: VerifyContext, body: str) -> list[tuple[str, str, int, str]]:
    return [(f.code, f.severity, f.line, f.message)
            for f in check_body(body, ctx, trace=2).findings]


def line_of(body: str, text: str) -> int:
    """The first line holding ``text`` (starting with it, for a list item)."""
    return next(n for n, line in enumerate(body.split("\n"), 1)
                if (line.startswith(text) if text.startswith("- ") else text in line))


def test_the_drafted_examples_give_none_of_these_findings(drafted) -> None:
    for folder in drafted.values():
        report = verify_draft(folder)
        assert report.findings == [], report.findings
        assert report.summary["references"] > 50


def test_a_fail_to_pass_test_deleted_from_tests(example) -> None:
    ctx, body = example
    planted = "\n".join(line for line in body.split("\n")
                        if not line.startswith(f"- [[test:{SHARES}]] · FAIL_TO_PASS"))
    found = codes(ctx, planted)
    assert [(c, s, n) for c, s, n, _ in found] == [("RD-T003", "error",
                                                    line_of(planted, "## Tests"))]
    assert SHARES in found[0][3]


def test_a_pass_to_pass_test_said_to_fail_before(example) -> None:
    ctx, body = example
    planted = body.replace("PASS_TO_PASS · visible · before: pass",
                           "PASS_TO_PASS · visible · before: fail")
    entry = line_of(planted, f"[[test:{LEAF}]] · PASS_TO_PASS")  # the Tests entry
    assert codes(ctx, planted) == [("RD-T004", "error", entry,
                                    f"{LEAF} is a PASS_TO_PASS test (it passes before the "
                                    "change), but Tests says it fails before")]


def test_a_test_put_in_fail_to_pass_that_is_not(example) -> None:
    ctx, body = example
    planted = body.replace("PASS_TO_PASS · visible · before: pass",
                           "FAIL_TO_PASS · visible · before: fail")
    found = codes(ctx, planted)
    assert [(c, s) for c, s, _, _ in found] == [("RD-T005", "error")]
    assert LEAF in found[0][3]


def test_a_decision_without_options_choosing_rust_is_one_finding_on_its_line(example) -> None:
    ctx, body = example
    start, end = body.index("**Decision:** How should deep_merge"), body.index("## Step 6")
    planted = body[:start] + ("**Decision:** How should deep_merge stop writing into the "
                              "caller's dicts?\n- Chosen: rewrite the library in Rust\n"
                              "- Why: it is faster\n\n") + body[end:]
    found = codes(ctx, planted)
    assert [(c, s, n) for c, s, n, _ in found] == [
        ("RD-B003", "error", line_of(planted, "**Decision:** How should deep_merge"))]
    assert "at least two options" in found[0][3]


def test_trade_offs_and_edge_cases_deleted(example) -> None:
    ctx, body = example
    planted = body[:body.index("## Trade-offs")] + body[body.index("## Tests"):]
    assert codes(ctx, planted) == [
        ("RD-D008", "error", 1, "the required section '## Trade-offs' is missing"),
        ("RD-D008", "error", 1, "the required section '## Edge cases' is missing")]


def test_hunk_purposes_saying_the_fix_uses_deepcopy(example) -> None:
    ctx, body = example
    planted = re.sub(r"purpose: .*", "purpose: the fix uses `copy.deepcopy` on the base", body)
    found = {(c, n, m.split(":")[0]) for c, _, n, m in codes(ctx, planted)}
    first, second = (line_of(planted, "[[tinyconf/merge.py#L42-L43@patched]] · necessary"),
                     line_of(planted, "[[tinyconf/merge.py#L53-L66@patched]] · necessary"))
    assert {(c, n) for c, n, _ in found} == {("RD-K001", first), ("RD-K001", second),
                                             ("RD-K002", first), ("RD-K002", second)}
    assert all("`copy.deepcopy` is in neither" in m for c, _, _, m in codes(ctx, planted)
               if c == "RD-K001")


def test_a_generic_hunk_purpose(example) -> None:
    ctx, body = example
    planted = re.sub(r"purpose: deep_merge starts .*", "purpose: fix the bug", body)
    found = codes(ctx, planted)
    assert [(c, n) for c, _, n, _ in found] == [
        ("RD-K002", line_of(planted, "purpose: fix the bug"))]


def test_filler_with_options_copied_from_unrelated_sentences(example) -> None:
    ctx, body = example
    trace = parse_body(body, 2).trace
    assert isinstance(trace, Trace)
    data = trace.model_dump()
    filler = "We look at the code carefully to understand the problem in more depth."
    for number, step in enumerate(data["steps"], start=1):
        step["reasoning"] = f"{filler} The relevant part is here [[step:{number}]]."
        step["decision"] = None
    copied = ["The issue says the regression appeared between 0.2.0 and 0.3.0",
              "Both involve nested mappings, so they may share a cause"]
    data["summary"] += " " + ". ".join(copied) + "."
    data["steps"][4]["decision"] = {
        "question": "What to do?", "options": copied, "chosen": copied[0],
        "why": "see [[step:12]]", "rejected": [{"option": copied[1], "why": "see [[step:12]]"}]}
    planted = render_body(Trace.model_validate(data))
    found = [(c, n) for c, _, n, _ in codes(ctx, planted)]
    repeats = [n for n, line in enumerate(planted.split("\n"), 1) if line.startswith(filler)]
    assert ("RD-D010", line_of(planted, "**Decision:** What to do?")) in found
    assert [n for c, n in found if c == "RD-D009"] == repeats[1:]


def test_a_decision_with_a_why_and_no_evidence(example) -> None:
    ctx, body = example
    planted = body.replace(
        "- Why: Merging runs the DELETE handling on the new section, which a plain copy would "
        "skip, and needs no second copying helper.", "- Why: It is better and cleaner.").replace(
        "- Against store a _copy_tree of the override's section: the copy would keep the "
        "DELETE markers the issue reports", "- Against store a _copy_tree of the override's "
        "section: it is worse")
    assert [(c, n) for c, _, n, _ in codes(ctx, planted)] == [
        ("RD-D007", line_of(planted, "**Decision:** When the override brings"))]


def test_an_unresolved_task_claiming_its_failing_test_passes(drafted) -> None:
    """The first answer of the slugkit recording says the failing FAIL_TO_PASS test passes:
    verify calls it an error, and the repair loop sent it back to the model."""
    folder = drafted["slugkit"]
    task = load_task(data_dir("example2"), repo=example_repo(folder.parent.parent, "slugkit"))
    task.evaluation = load_evaluation(data_dir("example2") / "report.json", task.instance_id,
                                      patch=task.patch)
    answers = json.loads((data_dir("models") / "example.json").read_text())["recordings"][1][
        "answers"]
    body = render_body(Trace.model_validate(answers[0]))
    found = [f for f in check_body(body, VerifyContext.from_task(task), trace=2).findings
             if f.code == "RD-E003"]
    assert [(f.severity, f.line) for f in found] == [("error", line_of(body,
                                                                       f"- [[test:{LETTERS}]]"))]
    assert f"{LETTERS}: the report has it in FAIL_TO_PASS with after: fail" in found[0].message
    calls = (folder.parent.parent / "slugkit.jsonl").read_text().splitlines()
    repair = json.loads(calls[-1])["messages"][-1]["content"]
    assert f"{LETTERS}: the report has it in FAIL_TO_PASS with after: fail" in repair


def test_a_format_1_summary_saying_it_resolves_an_unresolved_task(drafted) -> None:
    folder = drafted["slugkit"]
    task = load_task(data_dir("example2"), repo=example_repo(folder.parent.parent, "slugkit"))
    task.evaluation = load_evaluation(data_dir("example2") / "report.json", task.instance_id,
                                      patch=task.patch)
    body = (f"## Summary\n\nThe change fixes the issue [[slugkit/slug.py]]. Now [[test:{LETTERS}]]"
            " passes as well.\n\n## Step 1: Read\n\nPhase: understand\n\nRead [[step:1]].\n\n"
            "## Solution\n\nSee [[slugkit/slug.py]].\n\n## Tests\n\n"
            f"- [[test:{LETTERS}]] fails before the fix and passes after: it transliterates\n")
    found = [(f.code, f.line) for f in check_body(body, VerifyContext.from_task(task),
                                                 trace=1).findings if OURS.match(f.code)]
    assert ("RD-E003", 3) in found
    assert ("RD-E003", line_of(body, "fails before the fix")) in found
    assert sum(code == "RD-E003" for code, _ in found) == 3


# --- guidelines as code -------------------------------------------------------------------

def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, check=False)


def test_the_guidelines_file_changes_what_is_an_error_and_the_prompt_says_so(
        drafted, tmp_path: Path) -> None:
    folder = drafted["tinyconf"]
    assert run(["verify", str(folder)], tmp_path).returncode == 0
    (tmp_path / "reasondraft.toml").write_text(
        '[guidelines]\nmin_options = 3\n\n[guidelines.severity]\n"RD-D007" = "info"\n'
        '"RD-D005" = "error"\n', encoding="utf-8")
    proc = run(["verify", str(folder), "--json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert [(f["code"], f["severity"]) for f in found] == [("RD-D005", "error")]
    assert "decision 'When the override brings" in found[0]["message"]
    shown = run(["guidelines", "--json"], tmp_path)
    assert json.loads(shown.stdout)["min_options"] == 3
    dry = run(["draft", str(data_dir("example")), "--repo", str(example_repo(tmp_path)),
               "--model", "fixture/example", "--dry-run"], tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "Every decision weighs at least 3 options" in dry.stdout
    assert "Treated as errors (the trace is rejected): RD-D005." in dry.stdout


def test_a_severity_override_makes_a_warning_an_error(example) -> None:
    from reasondraft.guidelines import parse_guidelines

    ctx, body = example
    planted = re.sub(r"purpose: deep_merge starts .*", "purpose: fix the bug", body)
    strict = VerifyContext(ctx.view, instance=ctx.instance, trajectory=ctx.trajectory,
                           guidelines=parse_guidelines({"severity": {"RD-K002": "error"}}))
    report = check_body(planted, strict, trace=2)
    assert [(f.code, f.severity) for f in report.findings] == [("RD-K002", "error")]
    assert report.summary["errors"] == 1


@pytest.mark.parametrize(("toml", "where"), [
    ('[guidelines]\nmin_steps = "many"\n', "reasondraft.toml:2: [guidelines] min_steps"),
    ('[guidelines]\nmax_steps = 4\n\n[guidelines.severity]\n"RD-H999" = "error"\n',
     "reasondraft.toml:4: [guidelines] severity: 'RD-H999' is not a finding code"),
    ('[guidelines]\nwords = { step = [50, 10] }\n', "reasondraft.toml:2: [guidelines] words"),
    ('[guidelines]\nstepz = 3\n', "reasondraft.toml:2: [guidelines] stepz: unknown key"),
])
def test_a_bad_guidelines_file_is_bad_input(tmp_path: Path, toml: str, where: str) -> None:
    (tmp_path / "reasondraft.toml").write_text(toml, encoding="utf-8")
    proc = run(["guidelines"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert where in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("name", "table"), [("reasondraft.toml", "[guidelines]"),
                                           ("pyproject.toml", "[tool.reasondraft]")])
@pytest.mark.parametrize("command", ["guidelines", "config"])
def test_a_project_file_nested_too_deeply_is_bad_input(tmp_path: Path, name: str, table: str,
                                                      command: str) -> None:
    """tomllib recurses once per level: 5,000 nested arrays were a RecursionError traceback."""
    (tmp_path / name).write_text(f"{table}\nx = {'[' * 5000}{']' * 5000}\n", encoding="utf-8")
    proc = run([command], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (f"error: {tmp_path / name}: TOML nested too deeply "
                                   "(more than 100 levels)")


def test_guidelines_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.reasondraft]\nmodel = "fixture/example"\n\n'
        '[tool.reasondraft.guidelines]\nmax_steps = 9\n', encoding="utf-8")
    proc = run(["guidelines"], tmp_path)
    assert proc.returncode == 0
    assert "Between 1 and 9 steps." in proc.stdout
    assert run(["config"], tmp_path).returncode == 0


def test_format_1_decisions_and_tests_are_checked_as_far_as_they_go(project) -> None:
    """Format 1: a decision of one option choosing another (RD-D005, RD-D006 on its line), a
    FAIL_TO_PASS test its Tests section never mentions (RD-T003)."""
    body = ("## Summary\n\nThe guard now returns early when unset "
            "[[pkg/core.py#L42-L43@patched]].\n\n"
            "## Step 1: Read the guard\n\nPhase: implement\n\nIt is in "
            "[[pkg/core.py::merge_setting]].\n\n**Decision:** How to guard?\n"
            "- Considered: return early\n- Chosen: rewrite the library in Rust\n"
            "- Why: see [[pkg/core.py#L42]]\n\n## Solution\n\nReturn early when the request "
            "setting is None [[pkg/core.py#L42-L43@patched]].\n\n## Trade-offs\n\n- none "
            "[[pkg/core.py#L42]]\n\n## Edge cases\n\n- None [[pkg/core.py#L42]]\n\n## Tests\n\n"
            "The suite passes.\n")
    found = [(f.code, f.line) for f in check_body(body, project.context(), trace=1).findings
             if OURS.match(f.code)]
    decision = line_of(body, "**Decision:**")
    assert found == [("RD-D005", decision), ("RD-D006", decision),
                     ("RD-T003", line_of(body, "## Tests"))]


def test_a_summary_saying_the_fix_uses_deepcopy(example) -> None:
    ctx, body = example
    planted = body.replace("The diff copies the mapping structure of the base",
                           "The diff deep-copies the base with `copy.deepcopy`", 1)
    assert planted != body
    assert [(c, n) for c, _, n, _ in codes(ctx, planted)] == [
        ("RD-K001", line_of(planted, "`copy.deepcopy`"))]
