"""draft.md body <-> Trace, format 2: render(parse(x)) == x for what the tool writes, and a
labelled line a person broke is either still understood or reported naming its line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reasondraft.body import parse_body, render_body
from reasondraft.trace import (
    Decision,
    HunkNote,
    Hypothesis,
    Outcome,
    PathEvent,
    Quote,
    Rejected,
    RootCause,
    TestClaim,
    Trace,
    TraceStep,
)

TRACE = Trace(
    outcome=Outcome(resolved=False, source="harness",
                    account="[[test:t.py::test_b]] still fails: 'ß' is dropped"),
    summary="The slug drops letters [[slug.py#L10]].\nSecond line.",
    root_cause=RootCause(where=["slug.py::slugify", "slug.py#L8-L12"],
                         mechanism="NFKD leaves `ß` whole [[slug.py#L9]].\n\nThen ASCII drops it."),
    steps=[
        TraceStep(title="Reproduce: the accents", phase="reproduce", basis="observed",
                  trajectory_steps=[3, 4], reasoning="Ran it [[step:4]].\n\n```python\n"
                  "## not a heading\nslugify('é')\n```",
                  quotes=[Quote(ref="slug.py#L9-L10", code="    x = 1\n    ...")],
                  hypotheses=[Hypothesis(claim="encode drops · letters", check="run the repro",
                                         result="confirmed", steps=[4]),
                              Hypothesis(claim="the regex is wrong", check="", result="open")],
                  decision=Decision(question="Which transliteration?",
                                    options=["unidecode", "NFKD: strip marks", "a table"],
                                    chosen="NFKD: strip marks", why="no dependency - stdlib",
                                    rejected=[Rejected(option="unidecode", why="a dependency"),
                                              Rejected(option="a table", why="incomplete")])),
        TraceStep(title="What a developer would do", phase=None, basis="counterfactual",
                  reasoning="Try the issue's second example [[slug.py#L1]]."),
    ],
    agent_path=[
        PathEvent(kind="failed run", steps=[5], what="ran the repro", showed="still 'crm'",
                  reflected_in=1),
        PathEvent(kind="tool error", steps=[6, 7], what="typed pytset", showed="",
                  skipped="a typo, nothing learned"),
    ],
    hunks=[HunkNote(ref="slug.py#L9-L10@patched", necessity="necessary",
                    purpose="strip marks · then encode",
                    tests=["t.py::test_a[x - 1]", "t.py::test_b"]),
           HunkNote(ref="slug.py#L2@patched", necessity="incidental", purpose="")],
    trade_offs=["stdlib only [[slug.py#L9@patched]]"],
    edge_cases=["empty string", ""],
    tests=[TestClaim(id="t.py::test_b", set="FAIL_TO_PASS", visible_to_agent=False,
                     before="fail", after="fail", source="harness", why="'ß' - not decomposed"),
           TestClaim(id="t.py::test_a[x - 1]", set="other", visible_to_agent=True,
                     before="unknown", after="pass", source="step:7")],
)
BODY = render_body(TRACE)


def parsed_after(old: str, new: str):
    assert old in BODY, old
    return parse_body(BODY.replace(old, new, 1))


def line_of(body: str, text: str) -> int:
    return next(n for n, line in enumerate(body.split("\n"), start=1) if text in line)


def test_parse_of_render_is_identity() -> None:
    parsed = parse_body(BODY)
    assert not parsed.problems, parsed.problems
    assert parsed.version == 2
    assert parsed.lossless
    assert parsed.trace == TRACE
    assert render_body(parsed.trace) == BODY


def test_rendered_shape_reads_as_labelled_lines() -> None:
    assert BODY.startswith("## Outcome\n\nResolved: no · Source: harness\n\nAccount: ")
    assert "## Root cause\n\nWhere: [[slug.py::slugify]], [[slug.py#L8-L12]]\n" in BODY
    assert "Phase: reproduce · Basis: observed · Trajectory steps: [[step:3]], [[step:4]]" in BODY
    assert "**Hypothesis:** encode drops · letters\n- Check: run the repro\n- Result: " \
           "confirmed\n- Steps: [[step:4]]" in BODY
    assert "- Chosen: NFKD: strip marks\n- Why: no dependency - stdlib\n- Against unidecode: " \
           "a dependency\n" in BODY
    assert "**Failed run:** ran the repro\n- Steps: [[step:5]]\n- Showed: still 'crm'\n" \
           "- Reflected in: Step 1" in BODY
    assert "- [[slug.py#L9-L10@patched]] · necessary · tests: [[test:t.py::test_a[x - 1]]], " \
           "[[test:t.py::test_b]] · purpose: strip marks · then encode" in BODY
    assert "- [[test:t.py::test_b]] · FAIL_TO_PASS · hidden · before: fail · after: fail · " \
           "source: harness · why: 'ß' - not decomposed" in BODY
    assert "· source: [[step:7]]\n" in BODY


def test_a_second_line_under_why_continues_it() -> None:
    parsed = parsed_after("- Why: no dependency - stdlib\n",
                          "- Why: no dependency - stdlib\n  and it is fast\n")
    assert not parsed.problems
    assert parsed.trace.steps[0].decision.why == "no dependency - stdlib and it is fast"
    assert [e.heading for e in parsed.extras if e.reshaped] == ["Step 1: Reproduce: the accents"]


@pytest.mark.parametrize("dash", [" - ", " \u2013 ", " — ", " | ", " • "])
def test_a_hyphen_or_dash_for_the_separator_is_understood(dash: str) -> None:
    line = "- [[test:t.py::test_b]] · FAIL_TO_PASS · hidden · before: fail · after: fail · " \
           "source: harness · why:"
    parsed = parsed_after(line, line.replace(" · ", dash))
    meta = "Phase: reproduce · Basis: observed"
    parsed_meta = parsed_after(meta, meta.replace(" · ", dash))
    assert not parsed.problems
    assert not parsed_meta.problems
    assert parsed.trace.tests == TRACE.tests
    assert parsed_meta.trace.steps == TRACE.steps


def test_a_note_after_a_tests_why_stays_in_the_why() -> None:
    parsed = parsed_after("why: 'ß' - not decomposed", "why: 'ß' - not decomposed · note: "
                          "checked by hand (Ana)")
    assert not parsed.problems
    assert parsed.trace.tests[0].why.endswith("note: checked by hand (Ana)")


def test_a_note_in_a_structured_field_is_reported_with_its_line() -> None:
    body = BODY.replace("after: pass · source: [[step:7]]",
                        "after: pass (flaky on CI) · source: [[step:7]]")
    parsed = parse_body(body)
    [problem] = parsed.problems
    assert problem.code == "RD-B001"
    assert problem.line == line_of(body, "flaky on CI")
    assert "after: pass (flaky on CI)" in problem.message
    assert [t.id for t in parsed.trace.tests] == ["t.py::test_b"]
    [extra] = parsed.extras
    assert extra.heading == "Tests"
    assert "(flaky on CI)" in extra.text


def test_an_unknown_item_in_a_decision_is_reported_and_the_rest_kept() -> None:
    body = BODY.replace("- Chosen: NFKD", "- Note: ask the maintainers\n- Chosen: NFKD")
    parsed = parse_body(body)
    [problem] = parsed.problems
    assert (problem.code, problem.line) == ("RD-B001", line_of(body, "- Note: ask"))
    assert parsed.trace.steps[0].decision == TRACE.steps[0].decision


def test_a_broken_rule_is_reported_and_the_entry_kept_as_written() -> None:
    body = BODY.replace("- Chosen: NFKD: strip marks", "- Chosen: transliterate")
    parsed = parse_body(body)
    [problem] = parsed.problems
    assert (problem.code, problem.line) == ("RD-B003", line_of(body, "**Decision:**"))
    assert "not one of the options" in problem.message
    assert parsed.trace.steps[0].decision.chosen == "transliterate"


def test_a_line_right_under_a_test_line_continues_its_why() -> None:
    parsed = parsed_after("'ß' - not decomposed\n", "'ß' - not decomposed\n(see the log)\n")
    assert not parsed.problems
    assert parsed.trace.tests[0].why == "'ß' - not decomposed (see the log)"


def test_text_outside_any_entry_is_reported() -> None:
    body = BODY.replace("- [[test:t.py::test_a", "\nReviewer: check this.\n\n- [[test:t.py::test_a")
    parsed = parse_body(body)
    [problem] = parsed.problems
    assert (problem.code, problem.line) == ("RD-B002", line_of(body, "Reviewer: check"))
    assert len(parsed.trace.tests) == 2


@pytest.mark.parametrize(("old", "new", "code", "at"), [
    ("Resolved: no · Source: harness", "Resolved: maybe · Source: harness", "RD-B001",
     "Resolved: maybe"),
    ("**Failed run:** ran", "**Oops:** ran", "RD-B001", "**Oops:**"),
    ("- Reflected in: Step 1", "- Reflected in: the reproduce step", "RD-B001",
     "the reproduce step"),
    ("- Result: confirmed", "- Result: likely", "RD-B001", "- Result: likely"),
    ("Basis: observed · Trajectory steps: [[step:3]], [[step:4]]", "Basis: observed",
     "RD-B003", "## Step 1:"),
    ("- Reflected in: Step 1", "- Reflected in: Step 9", "RD-B003", "**Failed run:**"),
    ("· necessary · tests", "· essential · tests", "RD-B001", "· essential ·"),
    ("Where: [[slug.py::slugify]], [[slug.py#L8-L12]]", "Where: the slugify function",
     "RD-B001", "Where: the slugify"),
    ("- [[test:t.py::test_b]] ·", "- t.py::test_b ·", "RD-B001", "- t.py::test_b ·"),
])
def test_broken_labelled_lines_are_reported_at_their_line(old: str, new: str, code: str,
                                                          at: str) -> None:
    parsed = parsed_after(old, new)
    body = BODY.replace(old, new, 1)
    assert (code, line_of(body, at)) in [(p.code, p.line) for p in parsed.problems], \
        parsed.problems
    kept = render_body(parsed.trace) + "\n".join(e.text for e in parsed.extras)
    assert new in kept  # reported, and never dropped


def test_a_decision_followed_by_prose_is_reported_not_dropped() -> None:
    body = BODY.replace("- Against a table: incomplete\n", "- Against a table: incomplete\n\n"
                        "A thought added later.\n")
    parsed = parse_body(body)
    step = parsed.trace.steps[0]
    assert step.decision is None
    assert "**Decision:** Which transliteration?" in step.reasoning
    assert step.reasoning.endswith("A thought added later.")
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("RD-B002", line_of(body, "**Hypothesis:** encode")),
        ("RD-B002", line_of(body, "**Hypothesis:** the regex")),
        ("RD-B002", line_of(body, "**Decision:**"))]


def test_a_missing_outcome_section_reads_as_unknown_and_is_reported() -> None:
    body = BODY.replace("## Outcome\n\nResolved: no · Source: harness\n\nAccount: "
                        "[[test:t.py::test_b]] still fails: 'ß' is dropped\n\n", "")
    parsed = parse_body(body, 2)
    assert parsed.trace.outcome == Outcome(resolved=None, source="none")
    assert [(p.code, p.line) for p in parsed.problems] == [("RD-B001", 1)]


def test_a_second_tests_section_is_reported() -> None:
    body = BODY + "\n## Tests\n\n- [[test:t.py::test_c]] · other\n"
    parsed = parse_body(body)
    assert [p.code for p in parsed.problems] == ["RD-B002"]
    assert [e.heading for e in parsed.extras] == ["Tests"]


ONE_LINE = st.text(alphabet="ab ·-\u2013|:,()'", max_size=24).map(lambda s: " ".join(s.split()))


@settings(max_examples=150, deadline=None)
@given(why=ONE_LINE, purpose=ONE_LINE, option=ONE_LINE.filter(bool), title=ONE_LINE,
       what=ONE_LINE, account=ONE_LINE)
def test_one_line_fields_with_separators_round_trip(why: str, purpose: str, option: str,
                                                    title: str, what: str,
                                                    account: str) -> None:
    decision = Decision(question=why, options=[option, option + " b"], chosen=option + " b",
                        why=why, rejected=[Rejected(option=option, why=purpose)])
    step = TRACE.steps[0].model_copy(update={"title": title, "decision": decision})
    trace = TRACE.model_copy(update={
        "steps": [step],
        "outcome": Outcome(resolved=False, source="harness", account=account or "x"),
        "agent_path": [PathEvent(kind="detour", steps=[1], what=what, showed=why,
                                 skipped=purpose or "-")],
        "hunks": [TRACE.hunks[0].model_copy(update={"purpose": purpose})],
        "tests": [TRACE.tests[0].model_copy(update={"why": why})],
    })
    body = render_body(trace)
    parsed = parse_body(body)
    assert not parsed.problems, parsed.problems
    assert parsed.trace == trace
    assert render_body(parsed.trace) == body


def test_outcome_lines_without_the_blank_line_between_them_are_read() -> None:
    parsed = parsed_after("Resolved: no · Source: harness\n\nAccount:",
                          "Resolved: no - Source: harness\nAccount:")
    assert not parsed.problems
    assert parsed.trace.outcome == TRACE.outcome
    wrapped = parsed_after("still fails: 'ß' is dropped", "still fails:\n'ß' is dropped")
    assert not wrapped.problems
    assert wrapped.trace.outcome == TRACE.outcome
