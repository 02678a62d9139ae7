"""draft.md body <-> trace, format 1 (still read): lossless for what the tool wrote,
nothing lost from humans. Format 2 is in test_body_v2.py."""

from __future__ import annotations

from reasondraft.body import parse_body, render_body
from reasondraft.trace import Phase, Quote
from reasondraft.trace_v1 import DecisionV1 as Decision
from reasondraft.trace_v1 import ExpectedTest
from reasondraft.trace_v1 import TraceStepV1 as TraceStep
from reasondraft.trace_v1 import TraceV1 as Trace

TRACE = Trace(
    summary="Merging mutates the caller's dict [[tinyconf/merge.py#L10-L20]].\nSecond line.",
    steps=[
        TraceStep(
            title="Reproduce the bug", phase=Phase.REPRODUCE, trajectory_steps=[3, 4],
            reasoning="Ran the snippet:\n\n```python\n## not a heading\nmerge(a, b)\n```\n\n"
                      "It prints the wrong value, see [[step:4]].",
            quotes=[Quote(ref="tinyconf/merge.py#L12-L13", code="    out = base\n    ..."),
                    Quote(ref="docs/x.md#L1-L3", code="```\ninner fence\n```")],
        ),
        TraceStep(
            title="Choose between copy and deepcopy", phase=None,
            reasoning="Two options.",
            decision=Decision(question="Copy how deep?", options=["copy", "deepcopy"],
                              chosen="deepcopy", why="nested dicts are shared otherwise"),
        ),
        TraceStep(title="Bare step", phase=Phase.VERIFY, reasoning=""),
    ],
    solution="The diff copies first [[tinyconf/merge.py#L12-L14@patched]].",
    trade_offs=["deepcopy is slower on large configs"],
    edge_cases=["None overrides", "empty dicts"],
    tests=[ExpectedTest(test="tests/test_merge.py::test_no_mutation[nested-1]",
                        fails_before=True, passes_after=True, why="input stays intact"),
           ExpectedTest(test="tests/test_merge.py::test_basic", fails_before=False,
                        passes_after=True, why="behaviour kept")],
)


def test_parse_of_render_is_identity() -> None:
    body = render_body(TRACE)
    parsed = parse_body(body, 1)
    assert parsed.lossless, parsed.extras
    assert parsed.trace == TRACE
    assert render_body(parsed.trace) == body


def test_rendered_shape() -> None:
    body = render_body(TRACE)
    assert body.startswith("## Summary\n\nMerging mutates")
    assert "## Step 1: Reproduce the bug\n\nPhase: reproduce · Trajectory steps: [[step:3]], " \
           "[[step:4]]\n" in body
    assert "````quote docs/x.md#L1-L3\n```\ninner fence\n```\n````" in body
    assert "**Decision:** Copy how deep?\n- Considered: copy\n- Considered: deepcopy\n" \
           "- Chosen: deepcopy\n- Why: nested dicts" in body
    assert "- [[test:tests/test_merge.py::test_no_mutation[nested-1]]] fails before the fix " \
           "and passes after: input stays intact" in body
    assert body.endswith("behaviour kept\n")


def test_one_line_fields_and_headings_in_prose_are_normalized() -> None:
    step = TraceStep(title="a\n  b", phase=None, reasoning="## Sneaky heading\ntext  \n\n")
    assert step.title == "a b"
    assert step.reasoning == "### Sneaky heading\ntext"
    trace = TRACE.model_copy(update={"steps": [step]})
    assert parse_body(render_body(trace), 1).trace == trace


def test_human_edits_are_kept() -> None:
    body = render_body(TRACE)
    body = body.replace("## Trade-offs", "## Trade-offs and risks")
    body = body.replace("## Solution", "## Step 4: Check the docs\n\nI also read the "
                        "README [[README.md#L1-L5]].\n\n## Solution")
    body = "Reviewer preface.\n\n" + body + "\n## Reviewer notes\n\nLooks right.\n"
    parsed = parse_body(body, 1)
    assert [s.title for s in parsed.trace.steps][-1] == "Check the docs"
    assert parsed.trace.steps[-1].reasoning == "I also read the README [[README.md#L1-L5]]."
    extras = {e.heading: e for e in parsed.extras}
    assert extras[""].text == "Reviewer preface."
    assert extras["Trade-offs and risks"].text == "- deepcopy is slower on large configs"
    assert extras["Reviewer notes"].after == "Tests"
    assert not parsed.lossless


def test_reshaped_known_section_is_kept_verbatim() -> None:
    body = render_body(TRACE).replace("- empty dicts", "- empty dicts\n  (and lists too)")
    parsed = parse_body(body, 1)
    [extra] = parsed.extras
    assert extra.reshaped
    assert extra.heading == "Edge cases"
    assert "(and lists too)" in extra.text


def test_step_prose_after_decision_stays_in_reasoning() -> None:
    body = render_body(TRACE).replace(
        "- Why: nested dicts are shared otherwise",
        "- Why: nested dicts are shared otherwise\n\nA thought added later.")
    step = parse_body(body, 1).trace.steps[1]
    assert step.decision is None
    assert step.reasoning.endswith("A thought added later.")
    assert "**Decision:** Copy how deep?" in step.reasoning


def test_a_body_without_declared_format_is_read_by_its_sections() -> None:
    parsed = parse_body(render_body(TRACE))
    assert parsed.version == 1
    assert parsed.trace == TRACE
