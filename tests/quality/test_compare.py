"""compare: a trace against itself agrees fully; against a planted variant, exactly the
planted differences come out, each under its figure, and every other figure stays 1.0."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reasondraft.body import render_body
from reasondraft.document import join_document
from reasondraft.errors import InputError
from reasondraft.quality.compare import FIGURES, Difference, compare
from reasondraft.trace import Necessity, TestResult, Trace
from reasondraft.trace_v1 import ExpectedTest, TraceStepV1, TraceV1

P2P = "tests/test_merge.py::test_leaf_values_are_shared_not_copied"
QUESTION = "When the override brings a section the target lacks, what goes in?"


def _resolved(trace: Trace) -> None:
    trace.outcome.resolved = False


def _chosen(trace: Trace) -> None:
    decision = trace.steps[5].decision
    assert decision is not None
    decision.chosen = decision.options[0]


def _necessity(trace: Trace) -> None:
    trace.hunks[1].necessity = Necessity.INCIDENTAL


def _hunk_tests(trace: Trace) -> None:
    trace.hunks[0].tests = trace.hunks[0].tests[:1]


def _after(trace: Trace) -> None:
    trace.tests[3].after = TestResult.FAIL


def _root_cause(trace: Trace) -> None:
    trace.root_cause.where = ["tinyconf/merge.py#L52-L55"]


def _cited_line(trace: Trace) -> None:
    trace.steps[0].reasoning += " See [[tinyconf/merge.py#L10-L12]]."


def _cited_step(trace: Trace) -> None:
    trace.steps[0].reasoning += " See [[step:40]]."


PLANTED: list[tuple[Callable[[Trace], None], str, Difference]] = [
    (_resolved, "outcome", Difference("outcome", "Outcome", "outcome", "resolved: unknown",
                                      "resolved: no")),
    (_chosen, "decisions", Difference(
        "decisions", "Step 6", QUESTION,
        "chosen: create an empty dict and merge the section into it",
        "chosen: store a _copy_tree of the override's section")),
    (_necessity, "hunks", Difference("hunks", "Hunks", "tinyconf/merge.py#L53-L66@patched",
                                     "necessity: necessary", "necessity: incidental")),
    (_hunk_tests, "hunks", Difference("hunks", "Hunks", "tinyconf/merge.py#L42-L43@patched",
                                      f"tests: {P2P}", "tests: -")),
    (_after, "test_claims", Difference("test_claims", "Tests", P2P, "after: pass",
                                       "after: fail")),
    (_root_cause, "root_cause", Difference("root_cause", "Root cause", "tinyconf/merge.py",
                                           "only here: L42", "only here: -")),
    (_cited_line, "cited_lines", Difference("cited_lines", "body", "tinyconf/merge.py",
                                            "only here: -", "only here: L10-L12")),
    (_cited_step, "cited_steps", Difference("cited_steps", "body", "trajectory steps",
                                            "only here: -", "only here: step 40")),
]


def test_a_trace_compared_with_itself_agrees_fully(example: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(example, tmp_path / "copy")
    result = compare(example, copy)
    assert result.figures == dict.fromkeys(FIGURES, 1.0)
    assert result.differences == []
    assert result.agree
    assert set(result.per_file.values()) == {1.0}
    assert len(result.per_file) == 4


@pytest.mark.parametrize(("change", "figure", "expected"), PLANTED,
                         ids=[change.__name__ for change, _, _ in PLANTED])
def test_a_planted_variant_gives_exactly_the_planted_difference(
        example: Path, variant: Callable[..., Path], change: Callable[[Trace], None],
        figure: str, expected: Difference) -> None:
    result = compare(example, variant(change))
    assert result.differences == [expected]
    assert 0 <= (result.figures[figure] or 0) < 1
    assert {name: value for name, value in result.figures.items() if name != figure} == \
        dict.fromkeys(set(FIGURES) - {figure}, 1.0)


def test_figures_count_what_agrees(example: Path, variant: Callable[..., Path]) -> None:
    result = compare(example, variant(lambda t: (_chosen(t), _after(t), _root_cause(t))))
    assert (result.figures["decisions"], result.figures["test_claims"]) == (0.5, 0.75)
    assert result.figures["root_cause"] == 0.8  # L52-L55 of L42, L52-L55
    assert [d.figure for d in result.differences] == ["root_cause", "decisions",
                                                      "test_claims"]


def test_a_decision_only_one_side_has_is_a_disagreement(
        example: Path, variant: Callable[..., Path]) -> None:
    def drop(trace: Trace) -> None:
        trace.steps[5].decision = None
    result = compare(example, variant(drop))
    assert result.figures["decisions"] == 0.5
    [difference] = result.differences
    assert (difference.where, difference.item, difference.b) == ("Step 6", QUESTION,
                                                                 "(absent)")
    assert difference.a.startswith("chosen: create an empty dict")


def test_options_one_side_considered_are_listed_by_themselves(
        example: Path, variant: Callable[..., Path]) -> None:
    def replace_option(trace: Trace) -> None:
        decision = trace.steps[4].decision
        assert decision is not None
        decision.options[0] = decision.rejected[0].option = "patch every caller"
    result = compare(example, variant(replace_option))
    assert result.figures["decisions"] == 1.0  # the same option is chosen
    assert result.differences == [Difference(
        "decisions", "Step 5", "How should deep_merge stop writing into the caller's dicts?",
        "considered: deepcopy the base", "considered: patch every caller")]


def test_huge_line_ranges_are_counted_as_ranges(variant: Callable[..., Path]) -> None:
    def cite(first: int, last: int) -> Callable[[Trace], None]:
        def change(trace: Trace) -> None:
            trace.summary += f" [[big.py#L{first}-L{last}]]"
        return change
    result = compare(variant(cite(1, 999_999_999), "a"), variant(cite(2, 1_000_000_000), "b"))
    assert result.per_file["big.py"] == 0.9999  # never 1.0 while the lines differ
    assert result.differences == [Difference("cited_lines", "body", "big.py", "only here: L1",
                                             "only here: L1000000000")]


def _v1_draft(folder: Path, instance_id: str) -> Path:
    trace = TraceV1(summary="`add` subtracts [[pkg/calc.py#L4-L5]].", steps=[
        TraceStepV1(title="Read", phase="understand", reasoning="It fails [[step:2]].")],
        solution="One line [[pkg/calc.py#L5@patched]].",
        tests=[ExpectedTest(test="tests/test_calc.py::test_add", fails_before=True,
                            passes_after=True, why="it adds")])
    folder.mkdir()
    (folder / "draft.md").write_text(join_document({"format": 1, "instance_id": instance_id},
                                                   render_body(trace)), encoding="utf-8")
    return folder


def test_format_1_traces_compare_what_they_carry(tmp_path: Path) -> None:
    result = compare(_v1_draft(tmp_path / "a", "calc-1"), _v1_draft(tmp_path / "b", "calc-1"))
    assert result.figures == {"outcome": None, "root_cause": None, "cited_lines": 1.0,
                              "cited_steps": 1.0, "decisions": None, "hunks": None,
                              "test_claims": 1.0}
    assert result.agree


def test_traces_of_different_tasks_are_bad_input(example: Path, tmp_path: Path, cli) -> None:
    other = _v1_draft(tmp_path / "other", "calc-1")
    with pytest.raises(InputError, match=r"'tinyconf__tinyconf-42' but .* is 'calc-1'"):
        compare(example, other)
    result = cli("compare", example, other)
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "compare takes two traces of one task" in result.output


def test_a_file_that_is_no_trace_is_bad_input(example: Path, tmp_path: Path) -> None:
    plain = tmp_path / "notes.md"
    plain.write_text("# notes\n\nsee [[a.py]]\n", encoding="utf-8")
    with pytest.raises(InputError, match="declares no trace 'format'"):
        compare(example, plain)


def test_cli_json_and_text(example: Path, variant: Callable[..., Path], cli) -> None:
    other = variant(_necessity)
    data = json.loads(cli("compare", example, other, "--json").output)
    assert data["agree"] is False
    assert data["figures"]["hunks"] == 0.5
    assert data["differences"] == [PLANTED[2][2].to_json()]
    text = cli("compare", example, other).output
    assert "hunks        0.50" in text
    assert "A: necessity: necessary" in text
