"""calibration: two scripted reviewers on a planted batch -- one rejects every plant, one
approves everything -- catch 1.0 and 0.0 of every kind; an edit where the defect is counts
as a catch, an edit elsewhere does not; what is undecided counts for no one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.quality.calibration import calibrate
from reasondraft.quality.plant import KINDS, PlantResult, find_section, plant
from reasondraft.review.decide import approve, reject


def _answers(result: PlantResult) -> dict[str, dict[str, str]]:
    return json.loads(result.answers.read_text(encoding="utf-8"))["plants"]


def test_a_reviewer_who_rejects_every_plant_and_one_who_approves_everything(
        approved: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "batch"
    result = plant([approved] * (2 * len(KINDS)), out, seed=2)
    folders = result.folders  # in planting order: each half holds every kind once
    for name in folders[:len(KINDS)]:
        assert reject(out / name, "strict", "a planted defect").written
    for name in folders[len(KINDS):]:
        assert approve(out / name, "lenient").written
    rates = calibrate(result.answers, out).rates()
    assert rates["strict"] == {kind: {"caught": 1, "missed": 0, "rate": 1.0}
                               for kind in KINDS} | {"all": {"caught": 5, "missed": 0,
                                                             "rate": 1.0}}
    assert rates["lenient"] == {kind: {"caught": 0, "missed": 1, "rate": 0.0}
                                for kind in KINDS} | {"all": {"caught": 0, "missed": 5,
                                                              "rate": 0.0}}
    data = json.loads(cli("calibration", result.answers, out, "--json").output)
    assert data["reviewers"] == rates
    assert data["pending"] == 0
    text = cli("calibration", result.answers, out).output
    assert "strict: caught 5 of 5 (100%)" in text
    assert "lenient: caught 0 of 5 (0%)" in text


def _edit_section(folder: Path, heading_start: str) -> None:
    """Add a sentence at the end of the first section whose heading starts so."""
    draft = folder / "draft.md"
    text = draft.read_text(encoding="utf-8")
    at = text.index(f"\n## {heading_start}")
    end = text.find("\n## ", at + 1)
    text = text[:end] + "\nA reviewer's added sentence.\n" + text[end:]
    draft.write_text(text, encoding="utf-8")


def test_an_edit_where_the_defect_is_catches_it_an_edit_elsewhere_does_not(
        approved: Path, tmp_path: Path) -> None:
    out = tmp_path / "batch"
    result = plant([approved] * 3, out, seed=4)
    answers = _answers(result)
    fixed, elsewhere, untouched = result.folders
    section = answers[fixed]["section"]
    planted = find_section((out / fixed / "draft.md").read_text(encoding="utf-8"), section)
    assert planted is not None
    _edit_section(out / fixed, planted.title)
    _edit_section(out / elsewhere, "Trade-offs")
    for name in (fixed, elsewhere):
        assert approve(out / name, "ed").written
    verdicts = {v.folder: v for v in calibrate(result.answers, out).verdicts}
    assert (verdicts[fixed].outcome, verdicts[fixed].reviewer) == ("caught", "ed")
    assert verdicts[fixed].how == f"{section} edited before approval"
    assert verdicts[elsewhere].outcome == "missed"
    assert (verdicts[untouched].outcome, verdicts[untouched].reviewer) == ("pending", None)


def test_a_step_added_before_the_planted_one_is_no_edit_of_it(approved: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "batch"
    result = plant([approved] * 4, out, seed=6)
    answers = _answers(result)
    [name] = [n for n in result.folders if answers[n]["section"] != "Step 1"][:1]
    draft = out / name / "draft.md"
    text = draft.read_text(encoding="utf-8")
    at = text.index("\n## Step 1:")
    draft.write_text(text[:at] + "\n## Step 0: Look around\n\nPhase: understand · Basis: "
                     "inferred\n\nThe package is small [[step:1]].\n" + text[at:],
                     encoding="utf-8")
    assert approve(out / name, "ed", override="steps renumbered").written
    verdict = next(v for v in calibrate(result.answers, out).verdicts if v.folder == name)
    assert (verdict.outcome, verdict.how) == ("missed", f"approved with {verdict.section} "
                                                        "as planted (edited elsewhere)")


def test_an_approval_that_no_longer_holds_is_pending(approved: Path, tmp_path: Path) -> None:
    out = tmp_path / "batch"
    result = plant([approved], out, seed=1)
    [name] = result.folders
    approve(out / name, "amy")
    _edit_section(out / name, "Summary")  # modified since approval
    [verdict] = calibrate(result.answers, out).verdicts
    assert (verdict.outcome, verdict.how) == ("pending", "modified since approval")


def test_answers_that_do_not_fit_the_batch_are_bad_input(approved: Path, tmp_path: Path,
                                                         cli) -> None:
    out = tmp_path / "batch"
    result = plant([approved], out, seed=1)
    with pytest.raises(InputError, match="which is not a task folder here"):
        calibrate(result.answers, tmp_path)
    data = json.loads(result.answers.read_text(encoding="utf-8"))
    [entry] = data["plants"].values()
    entry["kind"] = "typo"
    result.answers.write_text(json.dumps(data), encoding="utf-8")
    outcome = cli("calibration", result.answers, out)
    assert outcome.exit_code == 2
    assert "key 'plants." in outcome.output
    assert ".kind': unknown kind" in outcome.output


def test_compare_plant_and_calibration_never_import_the_llm_stack(
        example: Path, approved: Path, tmp_path: Path, heavy_modules_after) -> None:
    out = tmp_path / "batch"
    assert heavy_modules_after(["compare", str(example), str(approved)],
                               ["plant", str(approved), "--out", str(out)],
                               ["calibration", f"{out}.answers.json", str(out)]) == []
