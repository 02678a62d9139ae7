"""``plant``: copies of approved drafts, each with one known defect the verifier cannot see,
to measure how often reviewers catch what only a reader can (docs/quality.md).

Each defect of the catalogue is a small change of the parsed trace that keeps every
reference valid, so ``verify`` finds no more errors than in the approved draft (defects
verify can catch are verify's job, not a reviewer's):

- misdescribed_solution: two hunks' purposes are swapped, so each describes the other;
- wrong_causal_claim: a hypothesis the check confirmed is marked refuted, or the reverse;
- straw_man_alternative: a rejected option of a decision becomes one nobody would weigh;
- unsupported_test_claim: a step after the implementation says a run confirms a test's
  expected result, which no run showed;
- hindsight_step: a step before the implementation already states what the fix does.

Only the section the defect is in is rendered again from the trace; the rest of the body
stays byte for byte. A copy is back in draft state (no review record, ``draft.generated.md``
equal to ``draft.md``, so an edit-rate or a diff shows nothing) in a folder with a random
name. The answer file -- folder, kind, section, and the sha256 of the planted body and of
the planted section -- is written 0600 outside the batch; ``calibration`` reads it.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reasondraft.body.markdown import STEP_HEADING, Section, split_sections
from reasondraft.body.v2 import RENDER, render_step_content
from reasondraft.document import (
    DRAFT_FILE,
    GENERATED_FILE,
    HISTORY_KEY,
    REVIEW_KEY,
    content_hash,
    join_document,
)
from reasondraft.errors import InputError
from reasondraft.evaluation import REPORT_FILE
from reasondraft.files import atomic_write, check_output_dir, check_output_file, read_bytes
from reasondraft.quality.load import LoadedTrace, load_trace
from reasondraft.review.record import standing
from reasondraft.task import PATCH_FILE, TASK_FILE, find_trajectory
from reasondraft.taskfiles import trajectory_files
from reasondraft.trace import Necessity, Phase, Result, TestResult, Trace

ANSWERS_FORMAT = "reasondraft-plants/1"
HUNKS = "Hunks"
STRAW_MAN = ("leave the code as it is and document the current behaviour",
             "documenting the behaviour leaves the problem the issue reports in place")
FLIPPED = {Result.CONFIRMED: Result.REFUTED, Result.REFUTED: Result.CONFIRMED}


@dataclass(frozen=True)
class Plant:
    """What was planted: its kind, the section it is in ('Step N' or 'Hunks'), and what
    changed, for the person who reads the answers."""

    kind: str
    section: str
    what: str


Transform = Callable[[Trace, random.Random], Plant | None]


def _first_implement(trace: Trace) -> int | None:
    """The number of the first step of phase implement (None: there is none)."""
    return next((n for n, step in enumerate(trace.steps, start=1)
                 if step.phase is Phase.IMPLEMENT), None)


def misdescribed_solution(trace: Trace, rng: random.Random) -> Plant | None:
    hunks = trace.hunks
    pairs = [(i, j) for i in range(len(hunks)) for j in range(i + 1, len(hunks))
             if hunks[i].purpose.casefold() != hunks[j].purpose.casefold()]
    if not pairs:
        return None
    i, j = rng.choice(pairs)
    hunks[i].purpose, hunks[j].purpose = hunks[j].purpose, hunks[i].purpose
    return Plant("misdescribed_solution", HUNKS, f"the purposes of hunk {i + 1} "
                 f"({hunks[i].ref}) and hunk {j + 1} ({hunks[j].ref}) are swapped")


def wrong_causal_claim(trace: Trace, rng: random.Random) -> Plant | None:
    found = [(n, k, hypothesis) for n, step in enumerate(trace.steps, start=1)
             for k, hypothesis in enumerate(step.hypotheses, start=1)
             if hypothesis.result in FLIPPED]
    if not found:
        return None
    n, k, hypothesis = rng.choice(found)
    hypothesis.result = FLIPPED[hypothesis.result]
    return Plant("wrong_causal_claim", f"Step {n}", f"hypothesis {k} ('{hypothesis.claim}') "
                 f"is marked {hypothesis.result.value}; its check showed the opposite")


def straw_man_alternative(trace: Trace, rng: random.Random) -> Plant | None:
    found = [(n, step.decision, rejected) for n, step in enumerate(trace.steps, start=1)
             if step.decision is not None for rejected in step.decision.rejected
             if rejected.option != STRAW_MAN[0]]
    if not found:
        return None
    n, decision, rejected = rng.choice(found)
    old = rejected.option
    decision.options = [STRAW_MAN[0] if option == old else option for option in decision.options]
    rejected.option, rejected.why = STRAW_MAN
    return Plant("straw_man_alternative", f"Step {n}", f"the alternative '{old}' of the "
                 f"decision '{decision.question}' is replaced by '{STRAW_MAN[0]}'")


def unsupported_test_claim(trace: Trace, rng: random.Random) -> Plant | None:
    first = _first_implement(trace)
    tests = [t for t in trace.tests
             if t.source == "expected" and t.after in (TestResult.PASS, TestResult.FAIL)]
    if first is None or not tests:
        return None
    n = rng.randint(first, len(trace.steps))
    test = rng.choice(tests)
    verb = "passes" if test.after is TestResult.PASS else "fails"
    step = trace.steps[n - 1]
    step.reasoning += f"\n\nA run confirms that [[test:{test.id}]] {verb} with the change."
    return Plant("unsupported_test_claim", f"Step {n}", f"says a run confirms that {test.id} "
                 f"{verb}; no run showed it (its claim is expected)")


def hindsight_step(trace: Trace, rng: random.Random) -> Plant | None:
    first = _first_implement(trace)
    purposes = [h.purpose.rstrip(".") for h in trace.hunks
                if h.necessity is Necessity.NECESSARY and h.purpose]
    if first is None or first == 1 or not purposes:
        return None
    n = rng.randint(1, first - 1)
    step = trace.steps[n - 1]
    step.reasoning += f"\n\nThe fix is clear already: {rng.choice(purposes)}."
    return Plant("hindsight_step", f"Step {n}", "states what the fix does before the "
                 "evidence for it")


CATALOGUE: dict[str, Transform] = {t.__name__: t for t in (
    misdescribed_solution, wrong_causal_claim, straw_man_alternative, unsupported_test_claim,
    hindsight_step)}
KINDS = tuple(CATALOGUE)


def find_section(body: str, name: str) -> Section | None:
    """The section a plant names: 'Hunks', or 'Step N' (the Nth step heading)."""
    sections = split_sections(body)
    if name == HUNKS:
        return next((s for s in sections if s.heading == f"## {HUNKS}"), None)
    steps = [s for s in sections if STEP_HEADING.match(s.heading)]
    number = int(name.removeprefix("Step "))
    return steps[number - 1] if 0 < number <= len(steps) else None


def section_hash(section: Section | None) -> str | None:
    return None if section is None else content_hash(section.text)


@dataclass
class Planted:
    """A planted body, the plant, and the hashes calibration checks an edit against."""

    body: str
    plant: Plant

    @property
    def body_sha256(self) -> str:
        return content_hash(self.body)

    @property
    def section_sha256(self) -> str | None:
        return section_hash(find_section(self.body, self.plant.section))


def plant_body(loaded: LoadedTrace, kind: str, rng: random.Random) -> Planted | None:
    """The body with one defect of ``kind``; None when the trace has nothing to plant it
    in, or the section it would go in holds text the trace does not (a person's reshaping,
    which rendering it again would drop)."""
    trace = loaded.parsed.trace
    if not isinstance(trace, Trace):
        return None
    planted = trace.model_copy(deep=True)
    plant = CATALOGUE[kind](planted, rng)
    if plant is None:
        return None
    section = find_section(loaded.draft.body, plant.section)
    if section is None or any(extra.heading == section.title for extra in loaded.parsed.extras):
        return None
    if plant.section == HUNKS:
        content = RENDER["hunks"](planted.hunks)
    else:
        content = render_step_content(planted.steps[int(plant.section.split()[1]) - 1])
    lines = loaded.draft.body.split("\n")
    own = section.lines
    lead = len(own) - len(_lstrip_blank(own))
    trail = len(own) - len(_lstrip_blank(own[::-1]))
    lines[section.start - 1:section.start - 1 + len(own)] = \
        [""] * lead + content.split("\n") + [""] * trail
    return Planted("\n".join(lines), plant)


def _lstrip_blank(lines: list[str]) -> list[str]:
    index = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return lines[index:]


@dataclass
class PlantResult:
    """What ``plant`` wrote: the folders (names only; the kinds are in the answers)."""

    out: Path
    answers: Path
    folders: list[str]
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "answers": str(self.answers), "folders": self.folders,
                "seed": self.seed}


def plant(drafts: list[Path], out: Path, *, seed: int | None = None,
          answers: Path | None = None) -> PlantResult:
    """Plant one defect in a copy of each approved draft (the kinds spread as evenly as the
    drafts allow, chosen with ``seed``) into new folders of ``out``, and seal the answers
    (default: ``<out>.answers.json`` beside the batch, never in it)."""
    answers = answers or out.parent / f"{out.name}.answers.json"
    if answers.resolve().is_relative_to(out.resolve()):
        raise InputError("the answers must not be inside the batch reviewers read",
                         where=str(answers))
    if answers.exists():
        raise InputError("exists: answers are sealed once; give another --answers",
                         where=str(answers))
    check_output_dir(out)
    check_output_file(answers)
    seed = secrets.randbelow(2**32) if seed is None else seed
    rng = random.Random(seed)
    used: Counter[str] = Counter()
    copies = []
    for path in drafts:
        loaded = _approved(path)
        planted = _choose(loaded, rng, used)
        used[planted.plant.kind] += 1
        copies.append((loaded, planted))
    entries: dict[str, dict[str, Any]] = {}
    for loaded, planted in copies:
        name = _free_name(out)
        _write_copy(loaded, planted, out / name)
        entries[name] = {"kind": planted.plant.kind, "section": planted.plant.section,
                         "what": planted.plant.what, "instance_id": loaded.instance_id,
                         "source": str(loaded.path), "body_sha256": planted.body_sha256,
                         "section_sha256": planted.section_sha256}
    sealed = {"format": ANSWERS_FORMAT, "seed": seed,
              "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
              "plants": entries}
    atomic_write(answers, json.dumps(sealed, indent=2, ensure_ascii=False) + "\n",
                 private=True)
    return PlantResult(out, answers, list(entries), seed)


def _approved(path: Path) -> LoadedTrace:
    loaded = load_trace(path)
    where = standing(loaded.draft)
    if where.status != "approved":
        raise InputError(f"is {where.status}, not approved: plant copies approved drafts "
                         "(their content is known good)", where=str(loaded.path))
    if not isinstance(loaded.parsed.trace, Trace):
        raise InputError("is a format-1 trace: plant needs format 2", where=str(loaded.path))
    return loaded


def _choose(loaded: LoadedTrace, rng: random.Random, used: Counter[str]) -> Planted:
    """A kind this trace can carry, among the least used so far, planted with ``rng``."""
    possible = [kind for kind in KINDS
                if plant_body(loaded, kind, random.Random(0)) is not None]
    if not possible:
        raise InputError("has nowhere to plant a defect of the catalogue (no two hunks, "
                         "hypotheses, decisions with rejected options, or expected test "
                         "claims)", where=str(loaded.path))
    fewest = min(used[kind] for kind in possible)
    kind = rng.choice([kind for kind in possible if used[kind] == fewest])
    planted = plant_body(loaded, kind, rng)
    assert planted is not None
    return planted


def _free_name(out: Path) -> str:
    """A random folder name: it says nothing of the draft, the kind or the order."""
    while True:
        name = secrets.token_hex(6)
        if not (out / name).exists():
            return name


def _write_copy(loaded: LoadedTrace, planted: Planted, folder: Path) -> None:
    """The task folder's inputs byte for byte, and the planted draft in draft state."""
    source = loaded.path.parent
    files = {name: read_bytes(source / name) for name in (TASK_FILE, PATCH_FILE, REPORT_FILE)
             if (source / name).is_file()}
    trajectory = find_trajectory(source)
    if trajectory is not None:
        files |= trajectory_files(trajectory)[0]
    front = {key: value for key, value in loaded.draft.front.items()
             if key not in (REVIEW_KEY, HISTORY_KEY)} | {"status": "draft"}
    document = join_document(front, planted.body)
    files |= {DRAFT_FILE: document.encode(), GENERATED_FILE: document.encode()}
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror}", where=str(folder)) from None
    for name, data in files.items():
        atomic_write(folder / name, data)
