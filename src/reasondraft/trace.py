"""The reasoning trace, format 2: the structured output the model writes and draft.md renders.

Annotators explain model-generated diffs, and many do not resolve their task, so the trace
says what is known and how: whether the diff resolves the task and on whose word
(``outcome``), which steps the agent really took and which are inferred or what a careful
developer would have done instead (``basis``), what the agent tried and left behind
(``agent_path``), what each hunk is for, and what each test showed with the source of the
claim. Format 1 (:mod:`reasondraft.trace_v1`) is still read.

Field descriptions are written for the model; they are part of the prompt (instructor sends
them as the response schema). Validators state the rules the model must keep (a decision
chooses among its options, a failed outcome says why); their messages go back to it. One-line
fields have their whitespace collapsed and prose fields have headings demoted, so every trace
renders to Markdown that parses back to the same trace.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, model_validator


def one_line(value: str) -> str:
    """Collapse whitespace so a field fits on its own Markdown line."""
    return " ".join(value.split())


def prose(value: str) -> str:
    """Trim blank edges and demote headings that would break draft.md's sections."""
    text = "\n".join(line.rstrip() for line in value.strip("\n").splitlines()).strip()
    return re.sub(r"(?m)^#{1,2}(?=\s)", "###", text)


def bare_ref(value: str) -> str:
    """A reference without the brackets a model may wrap it in."""
    value = one_line(value)
    if value.startswith("[[") and value.endswith("]]"):
        value = value[2:-2]
    return value


def node_id(value: str) -> str:
    """A test's node id without the brackets and scheme of its reference."""
    return bare_ref(value).removeprefix("test:")


def rules_apply(info: ValidationInfo) -> bool:
    """False when validated with ``LENIENT``: reading a draft a person edited keeps what is
    written even where it breaks a rule (verify reports it); the model is always held to
    them."""
    return not isinstance(info.context, dict) or info.context.get("rules", True)


LENIENT = {"rules": False}
OneLine = Annotated[str, AfterValidator(one_line)]
BareRef = Annotated[str, AfterValidator(bare_ref)]
NodeId = Annotated[str, AfterValidator(node_id)]
Code = Annotated[str, AfterValidator(lambda value: value.strip("\n"))]
Prose = Annotated[str, AfterValidator(prose)]
TestSource = Annotated[str, Field(pattern=r"^(harness|expected|step:[1-9][0-9]*)$")]
CITE = ("Cite evidence inline with references in double square brackets: "
        "[[path/file.py#L10-L14]] (base commit), [[path/file.py#L10-L14@patched]] (after the "
        "diff), [[path/file.py::Class.method]] (a definition), [[test:tests/test_x.py::"
        "test_name]] (a test) and [[step:N]] (step N of the agent trajectory).")


class Phase(StrEnum):
    UNDERSTAND = "understand"
    REPRODUCE = "reproduce"
    LOCALIZE = "localize"
    HYPOTHESIZE = "hypothesize"
    IMPLEMENT = "implement"
    VERIFY = "verify"
    REFINE = "refine"


class Basis(StrEnum):
    OBSERVED = "observed"
    INFERRED = "inferred"
    COUNTERFACTUAL = "counterfactual"


class Result(StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    OPEN = "open"


class OutcomeSource(StrEnum):
    HARNESS = "harness"
    TRAJECTORY = "trajectory"
    NONE = "none"


class TestSet(StrEnum):
    __test__ = False
    FAIL_TO_PASS = "FAIL_TO_PASS"
    PASS_TO_PASS = "PASS_TO_PASS"
    OTHER = "other"


class TestResult(StrEnum):
    __test__ = False
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    UNKNOWN = "unknown"


class Necessity(StrEnum):
    NECESSARY = "necessary"
    INCIDENTAL = "incidental"


class PathKind(StrEnum):
    DEAD_END = "dead end"
    DETOUR = "detour"
    FAILED_RUN = "failed run"
    ABANDONED_EDIT = "abandoned edit"
    REVERTED_EDIT = "reverted edit"
    TOOL_ERROR = "tool error"


class Quote(BaseModel):
    """Code quoted verbatim from the repository, bound to the lines it comes from."""

    ref: OneLine = Field(description=(
        "Where the code is, as a reference without brackets: 'path/to/file.py#L12-L18' for "
        "the base commit or 'path/to/file.py#L12-L18@patched' for the file after the diff. "
        "The line numbers must be exactly those shown in the context."))
    code: Code = Field(description=(
        "The quoted lines copied exactly from the context, without line numbers. A line "
        "holding only '...' stands for lines left out."))


class Outcome(BaseModel):
    """Does the diff resolve the task, and on whose word."""

    resolved: bool | None = Field(description=(
        "True if the diff resolves the task, false if it does not, null if unknown. Never "
        "assume success: without an evaluation report the outcome is unknown."))
    source: OutcomeSource = Field(description=(
        "'harness' when the evaluation report in the context says it, 'trajectory' when the "
        "agent's own test runs show it (give the steps), 'none' when unknown."))
    steps: list[int] = Field(default_factory=list, description=(
        "For source 'trajectory': the trajectory steps whose test runs show it."))
    account: OneLine = Field(default="", description=(
        "When it does not resolve the task: one line saying which tests fail and why, with "
        "[[test:...]] references. Otherwise empty."))

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        if not rules_apply(info):
            return self
        if self.source is OutcomeSource.NONE and self.resolved is not None:
            raise ValueError("outcome: source 'none' means unknown, so resolved must be null")
        if self.source is OutcomeSource.TRAJECTORY and (self.resolved is None or not self.steps):
            raise ValueError("outcome: source 'trajectory' needs resolved true or false and "
                             "the steps whose test runs show it")
        if self.resolved is False and not self.account:
            raise ValueError("outcome: resolved is false, so the account must say which "
                             "tests fail and why")
        return self


class RootCause(BaseModel):
    """Where the fault is and how it produces the symptom."""

    where: list[BareRef] = Field(description=(
        "The symbol(s) or lines at fault, as references without brackets: "
        "'path/file.py::Class.method' or 'path/file.py#L40-L44' (base commit)."))
    mechanism: Prose = Field(description=(
        "How the fault produces the reported behaviour, in a few sentences of Markdown with "
        "references. " + CITE))


class Hypothesis(BaseModel):
    """A debugging hypothesis and how it was tested."""

    claim: OneLine = Field(description="What was suspected, in one line.")
    check: OneLine = Field(description="The check that tested it (a run, a read, a search).")
    result: Result = Field(description="confirmed, refuted, or open (never tested).")
    steps: list[int] = Field(default_factory=list, description=(
        "The trajectory steps that show the check and its result (empty if the agent did "
        "not test it)."))


class Rejected(BaseModel):
    """An option not taken and why it loses."""

    option: OneLine = Field(description="The rejected option, exactly as in options.")
    why: OneLine = Field(description="Why it loses here, with concrete evidence, in one line.")


class Decision(BaseModel):
    """A real choice the developer faced at this step."""

    question: OneLine = Field(description="The question that had to be decided, in one line.")
    options: list[OneLine] = Field(description=(
        "The options a competent developer would realistically consider (two or three), "
        "each in one line."))
    chosen: OneLine = Field(description="The option taken, copied exactly from options.")
    why: OneLine = Field(description=(
        "Why that option beats the others here, with the concrete evidence, in one line."))
    rejected: list[Rejected] = Field(default_factory=list, description=(
        "Every option not chosen, each with why it loses."))

    @model_validator(mode="after")
    def _chosen_among_options(self, info: ValidationInfo) -> Self:
        if not rules_apply(info):
            return self
        if len(self.options) < 2:
            unlisted = "" if self.chosen in self.options else \
                f"; chosen {self.chosen!r} is not one of the options"
            raise ValueError(f"decision: a decision weighs at least two options{unlisted}")
        if self.chosen not in self.options:
            raise ValueError(f"decision: chosen {self.chosen!r} is not one of the options; "
                             "copy it exactly from options")
        others = [o for o in self.options if o != self.chosen]
        given = [r.option for r in self.rejected]
        if sorted(given) != sorted(others):
            raise ValueError(f"decision: rejected must give each option not chosen once, "
                             f"with why it loses: {others}")
        return self


class TraceStep(BaseModel):
    """One step of the reasoning, from issue towards the diff."""

    title: OneLine = Field(description="A short imperative title, e.g. 'Reproduce the crash'.")
    phase: Phase | None = Field(description=(
        "The phase of work: understand, reproduce, localize, hypothesize, implement, verify "
        "or refine."))
    basis: Basis | None = Field(description=(
        "'observed': the agent did this (cite its steps in trajectory_steps); 'inferred': the "
        "evidence shows it though the agent did not say it; 'counterfactual': what a careful "
        "developer would have done that the agent did not."))
    reasoning: Prose = Field(description=(
        "The reasoning of this step in Markdown prose: what was looked at, what was "
        "concluded and why, resting only on what was known by then (the issue and the "
        "agent's steps cited), not on the diff it leads to. " + CITE + " Cite only files, "
        "lines, tests and steps that appear in the context; every step cites something."))
    quotes: list[Quote] = Field(default_factory=list, description=(
        "Optional short code quotes (at most a few lines each) that the reasoning rests on."))
    hypotheses: list[Hypothesis] = Field(default_factory=list, description=(
        "The hypotheses weighed at this step, if any."))
    decision: Decision | None = Field(default=None, description=(
        "The decision made at this step, if there was a real choice; otherwise null."))
    trajectory_steps: list[int] = Field(default_factory=list, description=(
        "Numbers of the agent trajectory steps this reasoning step rests on; required for "
        "basis 'observed'."))


class PathEvent(BaseModel):
    """Something the agent did that is not in the final diff: a dead end, a detour, a failed
    run, an abandoned or reverted edit, a tool error."""

    kind: PathKind = Field(description=(
        "dead end, detour, failed run, abandoned edit, reverted edit or tool error."))
    steps: list[int] = Field(description="The trajectory steps of the event (at least one).")
    what: OneLine = Field(description="What the agent did, in one line.")
    showed: OneLine = Field(description="What it showed or taught, in one line.")
    reflected_in: int | None = Field(default=None, description=(
        "The number of the trace step that reflects it, or null when it is skipped."))
    skipped: OneLine = Field(default="", description=(
        "When no trace step reflects it: why it is left out (e.g. a typo in a command)."))

    @model_validator(mode="after")
    def _accounted(self, info: ValidationInfo) -> Self:
        if not rules_apply(info):
            return self
        if not self.steps:
            raise ValueError("agent path: each event cites the trajectory steps it happened in")
        if (self.reflected_in is None) == (not self.skipped):
            raise ValueError("agent path: give either the trace step that reflects the event "
                             "(reflected_in) or why it is skipped, not both")
        return self


class HunkNote(BaseModel):
    """One hunk of the diff: what it is for and what exercises it."""

    ref: BareRef = Field(description=(
        "The hunk's changed lines as a reference without brackets: 'path/file.py#L53-L56"
        "@patched' (added lines, after the diff), or base lines for a pure deletion."))
    necessity: Necessity = Field(description=(
        "'necessary' if the fix needs it, 'incidental' if not (a comment, a rename, an "
        "unrelated cleanup)."))
    purpose: OneLine = Field(description="What the hunk does and why, in one line.")
    tests: list[NodeId] = Field(default_factory=list, description=(
        "Node ids of the tests that exercise the hunk (may be empty)."))


class TestClaim(BaseModel):
    """What one test showed, and on whose word."""

    __test__ = False
    id: NodeId = Field(description=(
        "The test's node id, e.g. 'tests/test_x.py::TestY::test_z[param]'."))
    set: TestSet = Field(description=(
        "FAIL_TO_PASS or PASS_TO_PASS as the task lists it, or 'other' for a test the agent "
        "wrote or ran."))
    visible_to_agent: bool = Field(description=(
        "False for tests the agent could not see (tests added by the test patch are hidden)."))
    before: TestResult = Field(description="Its result at the base commit: pass, fail, error, "
                                           "unknown.")
    after: TestResult = Field(description="Its result with the diff applied: pass, fail, "
                                          "error, unknown.")
    source: TestSource = Field(description=(
        "Where the results come from: 'harness' (the evaluation report), 'step:N' (the agent "
        "ran it at trajectory step N) or 'expected' (a prediction, not observed)."))
    why: OneLine = Field(default="", description="Why it behaves so, in one line.")


class Trace(BaseModel):
    """A reconstructed, step-by-step technical reasoning trace leading to the diff."""

    outcome: Outcome = Field(description=(
        "Whether the diff resolves the task, as the context states it; never assumed."))
    summary: Prose = Field(description=(
        "Three to five sentences: the problem, the root cause, what the diff does and "
        "whether it works, with references."))
    root_cause: RootCause = Field(description="Where the fault is and its mechanism.")
    steps: list[TraceStep] = Field(description=(
        "The reasoning steps in order, from reading the issue to verifying the change. "
        "Follow what the agent did where it was sound; mark inferred and counterfactual "
        "steps as such."))
    agent_path: list[PathEvent] = Field(default_factory=list, description=(
        "Every dead end, detour, failed run, abandoned or reverted edit and tool error in "
        "the trajectory, in order."))
    hunks: list[HunkNote] = Field(description="Every hunk of the diff, in diff order.")
    trade_offs: list[OneLine] = Field(default_factory=list, description=(
        "Trade-offs of the change against the alternatives, one line each, with references."))
    edge_cases: list[OneLine] = Field(default_factory=list, description=(
        "Edge cases and how the change handles them (or not), one line each, with "
        "references."))
    tests: list[TestClaim] = Field(default_factory=list, description=(
        "The tests that show whether the change works: every FAIL_TO_PASS test first, then "
        "PASS_TO_PASS tests that matter and tests the agent wrote or ran."))


def inconsistencies(trace: Trace) -> list[tuple[str, str]]:
    """Rules spanning several parts of a trace, as (where, message): the root cause names a
    place, every step has a basis and an observed one cites the agent's steps, an agent-path
    event points at a step that exists."""
    found = []
    if not trace.root_cause.where:
        found.append(("Root cause", "the root cause names no place: give where (a symbol or "
                      "lines)"))
    for number, step in enumerate(trace.steps, start=1):
        if step.basis is None:
            found.append((f"Step {number}", f"step {number} has no basis: observed, inferred "
                          "or counterfactual"))
        elif step.basis is Basis.OBSERVED and not step.trajectory_steps:
            found.append((f"Step {number}", f"step {number} is observed but cites no "
                          "trajectory steps: cite the agent's steps, or mark it inferred"))
    for number, event in enumerate(trace.agent_path, start=1):
        if event.reflected_in is not None and not 1 <= event.reflected_in <= len(trace.steps):
            found.append((f"Agent path {number}", f"agent path event {number} is reflected in "
                          f"step {event.reflected_in}, but the trace has {len(trace.steps)} "
                          "steps"))
    return found
