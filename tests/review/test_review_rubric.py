"""The rubric, reject codes, author and review rounds: guidelines, approve --score,
reject --code, self-review, the history of every round, status/export fields, signing."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from test_review_edit import fake_editor  # tests/review is on sys.path (rootdir-less tests)

from reasondraft.document import join_document, read_draft
from reasondraft.errors import InputError
from reasondraft.guidelines import DEFAULT, load_guidelines, parse_guidelines
from reasondraft.lock import lock_path
from reasondraft.review import approve, reject, scan
from reasondraft.review.edit import record_author
from reasondraft.review.export import export, schema
from reasondraft.review.record import ReviewRecord, read_history, read_record
from reasondraft.review.signing import Signers
from reasondraft.verify import Sources

RUBRIC_TOML = """\
[guidelines]
min_steps = 1

[guidelines.rubric.correctness]
required = true

[guidelines.rubric.depth]
title = "Depth"
anchors = ["none", "thin", "good", "deep"]
block_below = 2

[guidelines.reject_codes]
wrong_cause = "The root cause is wrong."
thin = "Not enough reasoning."
"""


def front(task) -> dict:
    return read_draft(task.draft).front


def set_author(task, author: str) -> None:
    """What draft --author writes: the author in the front matter, the body untouched."""
    draft = read_draft(task.draft)
    task.draft.write_text(join_document({**draft.front, "author": author}, draft.body))


def sources(**guidelines: object) -> Sources:
    return Sources(guidelines=parse_guidelines(guidelines))


# --- the guidelines file ------------------------------------------------------------------


def test_defaults_hold_a_rubric_of_seven_items_and_described_codes() -> None:
    names = [item.name for item in DEFAULT.rubric]
    assert names == ["correctness", "causal_reasoning", "no_hindsight", "alternatives",
                     "test_alignment", "faithfulness", "concision"]
    assert all(len(item.anchors) == 4 and all(item.anchors) for item in DEFAULT.rubric)
    assert {i.name for i in DEFAULT.rubric if i.block_below} == {"correctness", "faithfulness"}
    assert not any(item.required for item in DEFAULT.rubric)
    assert "hindsight" in DEFAULT.reject_codes
    assert all(DEFAULT.reject_codes.values())
    assert DEFAULT.allow_self_review is False


def test_a_project_rubric_replaces_the_default_and_reuses_default_anchors(tmp_path) -> None:
    (tmp_path / "reasondraft.toml").write_text(RUBRIC_TOML)
    g = load_guidelines(tmp_path)
    assert [item.name for item in g.rubric] == ["correctness", "depth"]
    correctness = g.rubric[0]
    assert correctness.required
    assert correctness.anchors == DEFAULT.rubric[0].anchors
    assert correctness.block_below is None  # the table says what it says; no inheritance
    assert g.rubric[1].anchors == ("none", "thin", "good", "deep")
    assert g.reject_codes == {"wrong_cause": "The root cause is wrong.",
                              "thin": "Not enough reasoning."}


@pytest.mark.parametrize(("toml", "line", "message"), [
    ("[guidelines.rubric.correctness]\nanchors = ['a', 'b']\n", 2,
     "rubric.correctness.anchors: must be 4 non-empty texts"),
    ("[guidelines.rubric.correctness]\nrequired = true\nblock_below = 5\n", 3,
     "rubric.correctness.block_below: must be 2, 3 or 4"),
    ("[guidelines.rubric.correctness]\ncolour = 'red'\n", 2,
     "rubric.correctness.colour: unknown key"),
    ("[guidelines.rubric.depth]\nrequired = true\n", 1,
     "rubric.depth: 'depth' is not a default item, so it needs title and anchors"),
    ("[guidelines.reject_codes]\nwrong_cause = ''\n", 1,
     "reject_codes: 'wrong_cause' must be a description"),
    ("[guidelines]\nallow_self_review = 'yes'\n", 2, "allow_self_review: must be true or"),
])
def test_a_bad_rubric_is_bad_input_naming_file_line_and_key(tmp_path, toml, line,
                                                            message) -> None:
    (tmp_path / "reasondraft.toml").write_text(toml)
    with pytest.raises(InputError) as caught:
        load_guidelines(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'reasondraft.toml'}:{line}: ")
    assert message in str(caught.value)


def test_guidelines_command_shows_rubric_anchors_and_codes(tmp_path, cli,
                                                           monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reasondraft.toml").write_text(RUBRIC_TOML)
    text = cli("guidelines")
    assert text.exit_code == 0, text.output
    assert "- correctness: Technical correctness (required)" in text.stdout
    assert "- depth: Depth (blocks approval below 2)" in text.stdout
    assert "    4: deep" in text.stdout
    assert "- thin: Not enough reasoning." in text.stdout
    data = json.loads(cli("guidelines", "--json").stdout)
    assert data["rubric"][1] == {"name": "depth", "title": "Depth", "required": False,
                                 "anchors": ["none", "thin", "good", "deep"],
                                 "block_below": 2}
    assert data["reject_codes"]["wrong_cause"] == "The root cause is wrong."
    assert data["allow_self_review"] is False
    (tmp_path / "reasondraft.toml").write_text("[guidelines.rubric.x]\ntitle = 1\n")
    bad = cli("guidelines")
    assert bad.exit_code == 2
    assert "reasondraft.toml:2: [guidelines] rubric.x.title" in bad.output


# --- approve --score ----------------------------------------------------------------------


def test_scores_are_recorded_in_rubric_order(task, cli) -> None:
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "concision=3",
                 "--score", "correctness=4", "--json")
    assert result.exit_code == 0, result.output
    assert front(task)["review"]["scores"] == {"correctness": 4, "concision": 3}
    assert list(front(task)["review"]["scores"]) == ["correctness", "concision"]
    assert json.loads(result.stdout)["review"]["scores"]["correctness"] == 4


@pytest.mark.parametrize(("score", "message"), [
    ("corectness=4", "--score corectness: unknown rubric item; did you mean correctness?"),
    ("correctness=5", "--score correctness=5: a score is 1, 2, 3 or 4"),
    ("correctness=0", "a score is 1, 2, 3 or 4"),
    ("correctness", "--score correctness: give ITEM=N"),
    ("correctness=high", "give ITEM=N"),
])
def test_a_bad_score_is_bad_input_and_writes_nothing(task, cli, score, message) -> None:
    before = task.draft.read_bytes()
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", score)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert task.draft.read_bytes() == before


def test_the_same_item_scored_twice_is_bad_input(task, cli) -> None:
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "concision=3",
                 "--score", "concision=4")
    assert result.exit_code == 2
    assert "--score concision: given twice" in result.output


def test_required_items_must_be_scored(task, cli, monkeypatch) -> None:
    monkeypatch.chdir(task.folder.parent)
    (task.folder.parent / "reasondraft.toml").write_text(
        "[guidelines.rubric.correctness]\nrequired = true\n"
        "[guidelines.rubric.faithfulness]\nrequired = true\n"
        "[guidelines.rubric.concision]\n")
    before = task.draft.read_bytes()
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "concision=2")
    assert result.exit_code == 2
    assert "require a score for: correctness, faithfulness" in result.output
    assert task.draft.read_bytes() == before
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "correctness=3",
                 "--score", "faithfulness=4")
    assert result.exit_code == 0, result.output


def test_a_blocking_score_refuses_approval_unless_overridden(task, cli) -> None:
    before = task.draft.read_bytes()
    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "correctness=2")
    assert result.exit_code == 1
    assert "correctness=2 (below 3)" in result.output
    assert "--override" in result.output
    assert task.draft.read_bytes() == before
    refused = json.loads(cli("approve", task.folder, "--reviewer", "alice", "--score",
                             "faithfulness=1", "--json").stdout)
    assert refused["written"] is False
    assert refused["blocking"] == ["faithfulness=1 (below 3)"]

    result = cli("approve", task.folder, "--reviewer", "alice", "--score", "correctness=2",
                 "--override", "the claim is right, the wording is loose")
    assert result.exit_code == 0, result.output
    assert "blocking scores overridden" in result.stdout
    record = front(task)["review"]
    assert record["override"] == "the claim is right, the wording is loose"
    assert record["scores"] == {"correctness": 2}
    assert scan(task.folder)[0].status == "approved"


def test_a_low_score_on_a_non_blocking_item_needs_no_override(task) -> None:
    outcome = approve(task.folder, "alice", scores={"concision": 1}, override="unneeded")
    assert outcome.written
    assert outcome.blocking == []
    assert outcome.record is not None
    assert outcome.record.override is None


# --- reject --code ------------------------------------------------------------------------


def test_reject_codes_are_recorded_once_each(task, cli) -> None:
    result = cli("reject", task.folder, "--reviewer", "carol", "--reason", "step 2 guesses",
                 "--code", "hindsight", "--code", "unfaithful", "--code", "hindsight")
    assert result.exit_code == 0, result.output
    record = front(task)["review"]
    assert record["codes"] == ["hindsight", "unfaithful"]
    assert record["reason"] == "step 2 guesses"
    assert "scores" not in record
    assert "codes hindsight, unfaithful" in result.stdout


def test_an_unknown_reject_code_names_the_nearest(task, cli) -> None:
    before = task.draft.read_bytes()
    result = cli("reject", task.folder, "--reviewer", "carol", "--reason", "x", "--code",
                 "hindsite")
    assert result.exit_code == 2
    assert "--code hindsite: unknown reject code; did you mean hindsight?" in result.output
    assert task.draft.read_bytes() == before
    with pytest.raises(InputError, match="--code hindsight: unknown reject code"):
        reject(task.folder, "carol", "x", codes=["hindsight"],
               sources=sources(reject_codes={"wrong_cause": "The root cause is wrong."}))


# --- author and self-review ---------------------------------------------------------------


def test_the_record_keeps_the_author_apart_from_the_reviewer(task) -> None:
    set_author(task, "dana")
    outcome = approve(task.folder, "alice")
    assert outcome.record is not None
    assert (outcome.record.author, outcome.record.reviewer) == ("dana", "alice")
    assert front(task)["review"]["author"] == "dana"


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_self_review_is_refused_unless_the_guidelines_allow_it(task, cli, decide) -> None:
    set_author(task, "Dana")
    before = task.draft.read_bytes()
    args = ["--reason", "mine"] if decide == "reject" else []
    result = cli(decide, task.folder, "--reviewer", "dana", *args)
    assert result.exit_code == 2
    assert "dana is the author of this draft" in result.output
    assert "allow_self_review = true" in result.output
    assert task.draft.read_bytes() == before
    assert not lock_path(task.draft).exists()
    if decide == "approve":
        outcome = approve(task.folder, "dana", sources=sources(allow_self_review=True))
    else:
        outcome = reject(task.folder, "dana", "mine", sources=sources(allow_self_review=True))
    assert outcome.record is not None
    assert outcome.record.author == "Dana"


def test_edit_makes_the_editor_the_author_when_the_body_changed(task, tmp_path, cli,
                                                                monkeypatch) -> None:
    set_author(task, "dana")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("REASONDRAFT_USER", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDITOR", str(fake_editor(tmp_path, "")))
    assert cli("edit", task.folder, "--author", "erin").exit_code == 0
    assert front(task)["author"] == "dana"  # saved unchanged: still dana's body

    changed = fake_editor(tmp_path, "draft.write_text(text.replace('with -1.', 'with -1!'))",
                          name="changer")
    monkeypatch.setenv("EDITOR", str(changed))
    result = cli("edit", task.folder, "--author", "erin")
    assert result.exit_code == 0, result.output
    assert front(task)["author"] == "erin"
    assert "with -1!" in task.body()
    assert approve(task.folder, "dana").written  # dana reviews erin's body
    with pytest.raises(InputError, match="erin is the author"):
        approve(task.folder, "erin", force=True)

    monkeypatch.setenv("EDITOR", str(fake_editor(
        tmp_path, "draft.write_text(text.replace('with -1!', 'with -1?'))", name="again")))
    monkeypatch.setenv("REASONDRAFT_USER", "fred")
    assert cli("edit", task.folder).exit_code == 0
    assert front(task)["author"] == "fred"


def test_an_edit_by_nobody_known_leaves_a_note(task, tmp_path, cli, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("REASONDRAFT_USER", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDITOR", str(fake_editor(
        tmp_path, "draft.write_text(text.replace('with -1.', 'with -1!'))")))
    result = cli("edit", task.folder)
    assert result.exit_code == 0, result.output
    assert "no author is recorded" in result.output
    assert "author" not in front(task)


def test_the_author_is_not_written_through_a_symlinked_draft(task, tmp_path) -> None:
    before = read_draft(task.draft)
    real = tmp_path / "elsewhere.md"
    task.draft.rename(real)
    task.draft.symlink_to(real)
    task.write_body(task.body() + "\nEdited.\n")
    saved = real.read_bytes()
    with pytest.raises(InputError, match="is a symbolic link"):
        record_author(task.draft, before, "erin")
    assert task.draft.is_symlink()
    assert real.read_bytes() == saved


def test_record_author_leaves_a_broken_front_matter_alone(task) -> None:
    before = read_draft(task.draft)
    task.draft.write_text("---\nstatus: [unclosed\n---\nNew body.\n")
    assert record_author(task.draft, before, "erin") == "unchanged"
    assert task.draft.read_text() == "---\nstatus: [unclosed\n---\nNew body.\n"


# --- every round in the history; status and export fields ---------------------------------


def test_the_history_keeps_every_round_and_counts_rework(task, project, tmp_path) -> None:
    for n in range(12):
        reject(task.folder, "carol", f"round {n}", codes=["unclear"])
        task.write_body(task.body() + f"\nRework {n}.\n")
    outcome = approve(task.folder, "alice", scores={"correctness": 4, "faithfulness": 3})
    assert outcome.written
    history = read_history(read_draft(task.draft))
    assert [r.reason for r in history] == [f"round {n}" for n in range(12)]
    row = scan(task.folder)[0].to_json()
    assert (row["rounds"], row["rework"]) == (13, 12)
    assert row["scores"] == {"correctness": 4, "faithfulness": 3}
    assert row["codes"] is None
    untouched = project.task(tmp_path / "other" / "calc__calc-2", instance_id="calc__calc-2")
    fresh = scan(untouched.folder)[0]
    assert (fresh.rounds, fresh.rework, fresh.scores, fresh.author) == (0, 0, None, None)


def test_status_json_carries_author_scores_codes_rounds(task, cli) -> None:
    set_author(task, "dana")
    reject(task.folder, "carol", "guesses", codes=["hindsight"])
    row = json.loads(cli("status", task.folder, "--json").stdout)[0]
    assert {k: row[k] for k in ("author", "scores", "codes", "rounds", "rework")} == {
        "author": "dana", "scores": None, "codes": ["hindsight"], "rounds": 1, "rework": 1}


def test_a_malformed_history_is_a_problem_on_the_row_not_a_failed_scan(task) -> None:
    approve(task.folder, "alice")
    draft = read_draft(task.draft)
    task.draft.write_text(join_document({**draft.front, "review_history": [{"x": 1}]},
                                        draft.body))
    row = scan(task.folder)[0]
    assert row.status == "approved"
    assert row.rounds is None
    assert "review_history" in (row.problem or "")


def test_export_lines_carry_author_rounds_scores_and_codes(task, tmp_path) -> None:
    set_author(task, "dana")
    reject(task.folder, "carol", "guesses", codes=["hindsight"])
    task.write_body(task.body() + "\nReworked.\n")
    approve(task.folder, "alice", scores={"correctness": 4})
    out = tmp_path / "out.jsonl"
    assert export(task.folder, out).exported == 1
    line = json.loads(out.read_text())
    assert (line["author"], line["rounds"], line["rework"]) == ("dana", 2, 1)
    assert line["review"]["scores"] == {"correctness": 4}
    assert line["review"]["author"] == "dana"
    assert line["review_history"][0]["codes"] == ["hindsight"]
    properties = schema()["properties"]
    assert {"author", "rounds", "rework"} <= set(properties)
    record = schema()["$defs"]["ReviewRecord"]["properties"]
    assert {"author", "scores", "codes"} <= set(record)


# --- the record's format: old records, signatures -----------------------------------------


OLD_RECORD = {
    "decision": "approved", "reviewer": "alice", "time": "2026-01-02T03:04:05Z",
    "note": None, "reason": None, "override": None,
    "content_hash": "sha256:" + "0" * 64,
    "verify": {"references": 1, "errors": 0, "warnings": 0}, "inputs": None,
    "signature": None}


def test_an_old_record_reads_and_writes_back_without_new_keys() -> None:
    record = ReviewRecord.model_validate(OLD_RECORD)
    assert (record.author, record.scores, record.codes) == (None, None, None)
    assert record.to_front() == OLD_RECORD | {"time": "2026-01-02T03:04:05Z"}
    canonical = json.loads(record.canonical())
    assert set(canonical) == {"format", *OLD_RECORD} - {"signature"}
    scored = ReviewRecord.model_validate(OLD_RECORD | {"scores": {"correctness": 4}})
    assert json.loads(scored.canonical())["scores"] == {"correctness": 4}


@pytest.mark.parametrize(("key", "value"), [
    ("scores", {"correctness": 5}), ("scores", {"Bad Name": 3}), ("codes", ["ok", 3])])
def test_a_malformed_score_or_code_in_a_record_is_named_by_key(task, key, value) -> None:
    draft = read_draft(task.draft)
    task.draft.write_text(join_document({**draft.front, "review": OLD_RECORD | {key: value}},
                                        draft.body))
    with pytest.raises(InputError, match=rf"key 'review\.{key}"):
        read_record(read_draft(task.draft))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
def test_the_signature_covers_scores_codes_and_author(task, tmp_path) -> None:
    key = tmp_path / "alice"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                   check=True, capture_output=True)
    allowed = tmp_path / "allowed"
    allowed.write_text("alice " + " ".join(key.with_suffix(".pub").read_text().split()[:2]))
    set_author(task, "dana")
    outcome = approve(task.folder, "alice", scores={"correctness": 4}, sign=key)
    assert outcome.record is not None
    signers = Signers(allowed)
    assert signers.problem(outcome.record) is None
    for change in ({"scores": {"correctness": 3}}, {"author": "alice"},
                   {"codes": ["unclear"]}):
        tampered = outcome.record.model_copy(update=change)
        assert "does not verify" in (signers.problem(tampered) or "")
    written = yaml.safe_load(task.draft.read_text().split("---\n")[1])["review"]
    assert signers.problem(ReviewRecord.model_validate(written)) is None
