"""plant: every defect of the catalogue goes into the example task without verify finding
more than in the approved draft, only the planted section changes, and the copies are
drafts again beside a sealed answer file."""

from __future__ import annotations

import json
import random
import stat
from pathlib import Path

import pytest

from reasondraft.body.markdown import split_sections
from reasondraft.document import read_draft
from reasondraft.errors import InputError
from reasondraft.quality.load import load_trace
from reasondraft.quality.plant import KINDS, find_section, plant, plant_body
from reasondraft.review.record import standing
from reasondraft.verify import Repos, Sources, check_draft
from reasondraft.verify.inputs import draft_context

INPUTS = ("task.json", "patch.diff", "trajectory.traj")


@pytest.mark.parametrize("kind", KINDS)
def test_every_defect_adds_no_verify_finding(approved: Path, kind: str) -> None:
    loaded = load_trace(approved)
    with Repos() as repos:
        before = check_draft(loaded.draft, draft_context(loaded.draft, Sources(), repos))
        planted = plant_body(loaded, kind, random.Random(5))
        assert planted is not None
        assert planted.plant.kind == kind
        original = loaded.draft.body
        loaded.draft.body = planted.body
        after = check_draft(loaded.draft, draft_context(loaded.draft, Sources(), repos))
    assert after.summary["errors"] <= before.summary["errors"] == 0
    assert [f.code for f in after.findings] == []  # a warning would point at the plant
    changed = [new.heading for old, new in zip(split_sections(original),
                                              split_sections(planted.body), strict=True)
               if old.text != new.text]
    section = find_section(planted.body, planted.plant.section)
    assert section is not None
    assert changed == [section.heading]


def test_plant_writes_drafts_back_in_draft_state_and_seals_the_answers(
        approved: Path, tmp_path: Path) -> None:
    out = tmp_path / "batch"
    result = plant([approved] * len(KINDS), out, seed=3)
    answers = json.loads(result.answers.read_text(encoding="utf-8"))
    assert result.answers == tmp_path / "batch.answers.json"
    assert stat.S_IMODE(result.answers.stat().st_mode) == 0o600
    assert sorted(entry["kind"] for entry in answers["plants"].values()) == sorted(KINDS)
    assert answers["seed"] == 3
    assert sorted(result.folders) == sorted(p.name for p in
                                                                     out.iterdir())
    for name, entry in answers["plants"].items():
        folder = out / name
        assert len(name) == 12
        assert int(name, 16) >= 0
        draft = read_draft(folder)
        assert standing(draft).status == "draft"
        assert draft.front["status"] == "draft"
        assert "review" not in draft.front
        assert "review_history" not in draft.front
        assert (folder / "draft.generated.md").read_bytes() == (folder / "draft.md").read_bytes()
        assert entry["body_sha256"] == draft.content_hash
        for name_ in INPUTS:
            assert (folder / name_).read_bytes() == (approved / name_).read_bytes()


def test_the_same_seed_plants_the_same_defects(approved: Path, tmp_path: Path) -> None:
    def planted(out: str) -> list[tuple[str, str, str]]:
        result = plant([approved] * 7, tmp_path / out, seed=11)
        data = json.loads(result.answers.read_text(encoding="utf-8"))["plants"]
        return [(e["kind"], e["section"], e["body_sha256"]) for e in data.values()]
    first = planted("one")
    assert first == planted("two")
    assert len({kind for kind, _, _ in first}) == len(KINDS)  # spread over the catalogue


def test_plant_refuses_a_draft_that_is_not_approved(example: Path, tmp_path: Path,
                                                   cli) -> None:
    result = cli("plant", example, "--out", tmp_path / "batch")
    assert result.exit_code == 2
    assert "is draft, not approved" in result.output
    assert list(tmp_path.iterdir()) == []


def test_plant_refuses_answers_a_reviewer_could_read_or_that_exist(approved: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "batch"
    with pytest.raises(InputError, match="must not be inside the batch"):
        plant([approved], out, answers=out / "answers.json")
    sealed = tmp_path / "sealed.json"
    sealed.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="answers are sealed once"):
        plant([approved], out, answers=sealed)
    assert not out.exists()
    assert sealed.read_text(encoding="utf-8") == "{}"


def test_plant_cli_says_where_but_not_what(approved: Path, tmp_path: Path, cli) -> None:
    result = cli("plant", approved, "--out", tmp_path / "batch", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "answers sealed in" in result.output
    assert not any(kind in result.output for kind in KINDS)
