"""Evidence checks grounded in the trajectory, on the bundled example tasks: hindsight
(RD-H001, RD-H002), the agent path (RD-A001) and test claims against the cited step's
output (RD-O001). The drafted drafts of both examples give none of them; each planted defect
gives one finding that names what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from reasondraft.body import render_body
from reasondraft.resources import data_dir
from reasondraft.task import load_task
from reasondraft.trace import Trace
from reasondraft.verify import VerifyContext, check_body
from reasondraft.verify.agentpath import failure_events

OURS = ("RD-H", "RD-A", "RD-O")


def drafted(tmp: Path, example: str, index: int) -> tuple[VerifyContext, str]:
    clone = tmp / example / "repo"
    git.Repo.clone_from(str(data_dir(example) / "repo.bundle"), clone).close()
    task = load_task(data_dir(example), repo=clone)
    recordings = json.loads((data_dir("models") / "example.json").read_text())["recordings"]
    body = render_body(Trace.model_validate(recordings[index]["answers"][-1]))
    return VerifyContext.from_task(task), body


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[VerifyContext, str]:
    return drafted(tmp_path_factory.mktemp("ex"), "example", 0)


@pytest.fixture(scope="module")
def example2(tmp_path_factory) -> tuple[VerifyContext, str]:
    return drafted(tmp_path_factory.mktemp("ex2"), "example2", 1)


def ours(ctx: VerifyContext, body: str) -> list:
    return [f for f in check_body(body, ctx, trace=2).findings if f.code.startswith(OURS)]


def line_of(body: str, text: str) -> int:
    return next(n for n, line in enumerate(body.split("\n"), start=1) if text in line)


def plant(body: str, old: str, new: str) -> str:
    assert body.count(old) == 1, old
    return body.replace(old, new)


def test_the_drafted_drafts_of_both_examples_give_none_of_these_findings(example,
                                                                          example2) -> None:
    for ctx, body in (example, example2):
        assert ours(ctx, body) == []


def test_patched_code_cited_in_the_first_step_knows_the_fix(example) -> None:
    ctx, body = example
    body = plant(body, "The layout [[step:1]] shows",
                 "The fix [[tinyconf/merge.py#L42-L43@patched]] is near. The layout "
                 "[[step:1]] shows")
    [found] = ours(ctx, body)
    assert (found.code, found.severity, found.ref) == (
        "RD-H002", "warning", "tinyconf/merge.py#L42-L43@patched")
    assert found.line == line_of(body, "The fix [[tinyconf")
    assert "knows the fix before the evidence: Step 1" in found.message
    assert "implement phase (step 6)" in found.message


def test_a_hidden_test_or_an_unrun_outcome_before_implementing_knows_the_fix(example) -> None:
    ctx, body = example
    hidden = "tests/test_merge.py::test_nested_sections_of_base_are_not_modified"
    body = plant(body, "So the shared input is being mutated, not merely read.",
                 f"So the shared input is being mutated, as [[test:{hidden}]] checks.")
    [found] = ours(ctx, body)
    assert found.code == "RD-H002"
    assert f"cites {hidden}, a hidden test" in found.message
    # a test outcome told at step 2, resting on steps 2-4: the agent first ran tests at 12
    ctx, body = example
    leaf = "tests/test_merge.py::test_leaf_values_are_shared_not_copied"
    body = plant(body, "So the shared input is being mutated, not merely read.",
                 f"Then [[test:{leaf}]] passes [[step:4]].")
    [found] = ours(ctx, body)
    assert found.code == "RD-H002"
    assert f"says {leaf} passes, but the agent had not run it by then" in found.message


def test_the_whole_suite_passes_against_a_run_with_one_failure_is_an_error(example) -> None:
    ctx, body = example
    body = plant(body, "but the suite fails [[step:12]]", "but the whole suite passes [[step:12]]")
    [found] = ours(ctx, body)
    assert (found.code, found.severity, found.ref) == ("RD-O001", "error", "step:12")
    assert found.line == line_of(body, "the whole suite passes [[step:12]]")
    assert "contradicts step 12: its output says 1 failed, 35 passed" in found.message
    assert "tests/test_merge.py::test_leaf_values_are_shared_not_copied failing" in found.message


def test_a_named_test_said_to_fail_where_the_run_passed_it_is_an_error(example) -> None:
    ctx, body = example
    leaf = "[[test:tests/test_merge.py::test_leaf_values_are_shared_not_copied]]"
    body = plant(body, "The whole visible suite passes [[step:21]], including " + leaf,
                 f"Here {leaf} fails [[step:21]]")
    [found] = ours(ctx, body)
    assert found.code == "RD-O001"
    assert "its output says 36 passed" in found.message


def test_a_tests_entry_whose_step_disagrees_is_an_error(example) -> None:
    ctx, body = example
    body = plant(body, "visible · before: pass · after: pass · source: [[step:21]]",
                 "visible · before: pass · after: fail · source: [[step:21]]")
    [found] = ours(ctx, body)
    assert found.code == "RD-O001"
    assert "after: fail with source step 21" in found.message


def test_hedged_or_negated_claims_are_not_judged(example) -> None:
    ctx, body = example
    for text in ("but the suite would pass [[step:12]]", "but the suite does not pass "
                 "[[step:12]]", "but if the suite passes [[step:12]]"):
        assert ours(ctx, plant(body, "but the suite fails [[step:12]]", text)) == []


def test_an_observed_step_citing_lines_the_agent_had_not_seen_is_hindsight(example) -> None:
    ctx, body = example
    body = plant(body, "must therefore be inside `deep_merge` in [[tinyconf/merge.py]].",
                 "must therefore be inside `deep_merge` [[tinyconf/merge.py#L40-L44]].")
    [found] = ours(ctx, body)
    assert (found.code, found.ref) == ("RD-H001", "tinyconf/merge.py#L40-L44")
    assert "Step 3 is observed, but tinyconf/merge.py L40-L44 was not shown by its " \
           "trajectory steps (5, 6) or any before; it had not seen the file" in found.message
    # the same lines in step 4, which rests on the agent opening the file, are grounded
    ctx, body = example
    body = plant(body, "a copy of the top level only,", "a copy [[tinyconf/merge.py#L40-L44]],")
    assert ours(ctx, body) == []


def test_every_failure_event_is_cited_or_listed(example) -> None:
    ctx, body = example
    assert [(e.kind, e.steps) for e in failure_events(ctx)] == [
        ("reverted edit", (9,)), ("reverted edit", (10,)), ("failed run", (12,))]
    cut = body.index("**Failed run:**")
    body = body[:cut] + body[body.index("## Hunks"):]
    body = plant(body, "but the suite fails [[step:12]]", "but the suite fails")
    body = body.replace("[[step:12]]", "[[step:11]]")
    [found] = ours(ctx, body)
    assert (found.code, found.ref, found.line) == ("RD-A001", "step:12",
                                                   line_of(body, "## Agent path"))
    assert found.message == ("failed run at step 12 is not in the trace: pytest tests/ -q "
                             "(1 failed, 35 passed)")
    assert found.suggestion.startswith("cite [[step:12]]")


def test_format_1_drafts_are_checked_for_what_they_carry(example) -> None:
    ctx, _ = example
    body = ("## Step 1: Run the tests\n\nPhase: verify\n\nThe whole suite passes "
            "[[step:12]] after the change [[tinyconf/merge.py#L42@patched]].\n")
    codes = sorted(f.code for f in check_body(body, ctx, trace=1).findings
                   if f.code.startswith(OURS))
    assert codes == ["RD-A001", "RD-A001", "RD-O001"]  # steps 9 and 10 are not cited
