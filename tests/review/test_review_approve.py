"""approve / reject: the record, the binding to content, refusals, --force, concurrency."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

from reasondraft.document import body_hash, read_draft
from reasondraft.errors import InputError
from reasondraft.review import approve, reject, scan, standing, totals
from reasondraft.review.lock import lock_path


def front(task) -> dict:
    return read_draft(task.draft).front


def test_approve_edit_status_modified_then_reapprove(task, cli) -> None:
    result = cli("approve", task.folder, "--reviewer", "alice", "--note", "checked [bold]x[/]")
    assert result.exit_code == 0, result.output
    record = front(task)["review"]
    assert front(task)["status"] == "approved"
    assert record["decision"] == "approved" and record["reviewer"] == "alice"
    assert record["note"] == "checked [bold]x[/]" and record["override"] is None
    assert record["content_hash"] == body_hash(task.body())
    assert record["verify"] == {"references": 11, "errors": 0, "warnings": 0}
    assert record["time"].endswith("Z")
    assert [r.status for r in scan(task.folder)] == ["approved"]

    task.write_body(task.body().replace("with -1.", "with -1 instead of 5."))
    rows = scan(task.folder.parent)
    assert rows[0].status == "modified" and rows[0].modified_since_approval
    assert totals(rows)["approved"] == 0 and totals(rows)["modified"] == 1
    assert front(task)["status"] == "approved"  # the line says so; the record decides
    status = json.loads(cli("status", task.folder.parent, "--json").stdout)
    assert status[0]["status"] == "modified" and status[0]["modified_since_approval"] is True
    assert "modified" in cli("show", task.folder, "--no-expand").stdout
    assert "modified since approval" in cli("verify", task.folder).stdout

    again = approve(task.folder, "bob")  # the body changed: no --force needed
    assert again.written and again.backup is None
    assert scan(task.folder)[0].status == "approved"
    assert front(task)["review"]["reviewer"] == "bob"
    history = front(task)["review_history"]
    assert [h["reviewer"] for h in history] == ["alice"]
    assert history[0]["content_hash"] != front(task)["review"]["content_hash"]


def test_approval_keeps_the_body_byte_for_byte(task) -> None:
    before = task.body()
    approve(task.draft, "alice")
    assert task.body() == before
    assert read_draft(task.draft).front["provenance"] == task.front["provenance"]


def test_approve_refused_on_errors_then_allowed_with_override(task, cli) -> None:
    task.write_body(task.body().replace("fails [[step:2]]", "fails [[step:2]] in "
                                        "[[pkg/calc.py#L40]]"))
    original = task.draft.read_bytes()
    result = cli("approve", task.folder, "--reviewer", "alice")
    assert result.exit_code == 1
    assert "RD-L001" in result.output and "--override" in result.output
    assert task.draft.read_bytes() == original  # nothing written

    result = cli("approve", task.folder, "--reviewer", "alice", "--override",
                 "line 40 is in the upstream file", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["written"] and outcome["errors"] == 1
    record = front(task)["review"]
    assert record["override"] == "line 40 is in the upstream file"
    assert record["verify"]["errors"] == 1
    assert scan(task.folder)[0].status == "approved"


def test_override_is_recorded_only_when_needed(task) -> None:
    outcome = approve(task.folder, "alice", override="just in case")
    assert outcome.record is not None and outcome.record.override is None


def test_reject_records_the_reason(task, cli) -> None:
    result = cli("reject", task.folder, "--reviewer", "carol", "--reason",
                 "step 2 misreads the test")
    assert result.exit_code == 0, result.output
    record = front(task)["review"]
    assert record["decision"] == "rejected" and record["reason"] == "step 2 misreads the test"
    assert front(task)["status"] == "rejected"
    assert scan(task.folder)[0].status == "rejected"
    task.write_body(task.body() + "\nReworked.\n")
    row = scan(task.folder)[0]
    assert row.status == "draft" and not row.modified_since_approval
    assert row.decision == "rejected" and row.reviewer == "carol"


def test_reject_needs_a_reason(task, cli) -> None:
    assert cli("reject", task.folder, "--reviewer", "carol").exit_code == 2
    with pytest.raises(InputError, match="--reason must not be empty"):
        reject(task.folder, "carol", "  ")
    with pytest.raises(InputError, match="--reviewer must not be empty"):
        approve(task.folder, "")


def test_a_decision_on_the_same_content_needs_force_and_keeps_a_backup(task, cli) -> None:
    approve(task.folder, "alice")
    approved = task.draft.read_bytes()
    result = cli("reject", task.folder, "--reviewer", "bob", "--reason", "no")
    assert result.exit_code == 2 and "already approved by alice" in result.output
    assert "--force" in result.output and task.draft.read_bytes() == approved

    outcome = reject(task.folder, "bob", "no", force=True)
    assert outcome.backup is not None and outcome.backup.read_bytes() == approved
    assert outcome.backup.name.startswith("draft.md.bak-")
    assert front(task)["review"]["decision"] == "rejected"
    assert [h["reviewer"] for h in front(task)["review_history"]] == ["alice"]


def test_approve_refuses_broken_front_matter_with_line(task, cli) -> None:
    text = task.draft.read_text().replace("status: draft", "status: [draft")
    task.draft.write_text(text)
    result = cli("approve", task.folder, "--reviewer", "alice")
    assert result.exit_code == 2
    assert "draft.md:" in result.output and "front matter is not valid YAML" in result.output
    assert task.draft.read_text() == text


def test_a_malformed_review_record_is_named_by_key(task) -> None:
    approve(task.folder, "alice")
    task.draft.write_text(task.draft.read_text().replace("decision: approved",
                                                         "decision: maybe"))
    assert standing(read_draft(task.draft)).status == "broken"
    with pytest.raises(InputError, match=r"key 'review\.decision'"):
        approve(task.folder, "bob", force=True)


def test_a_draft_saved_during_approval_is_left_alone(task, monkeypatch) -> None:
    from reasondraft.review import decide as module

    real = module.check_draft

    def check_while_someone_saves(*args, **kwargs):
        task.write_body(task.body() + "\nSaved meanwhile.\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "check_draft", check_while_someone_saves)
    with pytest.raises(InputError, match="changed on disk"):
        approve(task.folder, "alice")
    assert task.body().endswith("Saved meanwhile.\n") and "review" not in front(task)


def test_hand_typed_status_line_does_not_approve(task) -> None:
    task.draft.write_text(task.draft.read_text().replace("status: draft", "status: approved"))
    assert scan(task.folder)[0].status == "draft"


APPROVE = """
import sys
from pathlib import Path
from reasondraft.errors import InputError
from reasondraft.review import approve
sys.stdin.readline()  # both processes start together
try:
    approve(Path(sys.argv[1]), sys.argv[2])
    print("approved")
except InputError as exc:
    print("refused", exc)
"""


def test_concurrent_approvals_leave_one_valid_record(task) -> None:
    processes = [subprocess.Popen([sys.executable, "-c", APPROVE, str(task.folder), name],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for name in ("alice", "bob")]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=60) for process in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    results = sorted(out.split()[0] for out, _ in outputs)
    assert results == ["approved", "refused"], outputs
    document = read_draft(task.draft)  # parses: one valid file
    text = task.draft.read_text()
    assert text.count("review:") == 1 and "review_history" not in document.front
    winner = document.front["review"]["reviewer"]
    assert [out for out, _ in outputs if out.startswith("approved")] and winner in text
    assert document.front["review"]["content_hash"] == document.content_hash
    assert yaml.safe_load(text.split("---\n")[1])["status"] == "approved"
    assert not lock_path(task.draft).exists()  # its creator removed it: nothing left over
    assert not list(task.folder.glob(".draft.md.*.tmp"))


def test_names_that_look_like_markup_are_printed_as_typed(task, cli) -> None:
    assert cli("approve", task.folder, "--reviewer", "[/x]").exit_code == 0
    result = cli("approve", task.folder, "--reviewer", "bob")
    assert result.exit_code == 2 and "already approved by [/x]" in result.output


def test_a_refused_decision_leaves_no_lock_file(task, cli) -> None:
    """Nothing may be written on refusal: broken front matter, verify errors, a decision
    already made."""
    good = task.draft.read_text()
    task.draft.write_text(good.replace("status: draft", "status: [draft"))
    assert cli("approve", task.folder, "--reviewer", "alice").exit_code == 2
    assert sorted(p.name for p in task.folder.iterdir() if p.name.startswith(".")) == []
    task.draft.write_text(good)
    task.write_body(task.body().replace("fails [[step:2]]", "fails [[pkg/calc.py#L40]]"))
    assert cli("approve", task.folder, "--reviewer", "alice").exit_code == 1
    assert not lock_path(task.draft).exists()
    approve(task.folder, "alice", override="fine")
    assert cli("reject", task.folder, "--reviewer", "bob", "--reason", "x").exit_code == 2
    assert sorted(p.name for p in task.folder.iterdir() if p.name.startswith(".")) == []


def test_approve_keeps_mode_and_owner_of_draft_md(task) -> None:
    os.chmod(task.draft, 0o664)
    if os.geteuid() == 0:
        os.chown(task.draft, 1234, 5678)
    outcome = approve(task.folder, "alice")
    after = os.stat(task.draft)
    assert outcome.written and stat.S_IMODE(after.st_mode) == 0o664
    if os.geteuid() == 0:
        assert (after.st_uid, after.st_gid) == (1234, 5678)


def test_a_symlinked_draft_is_refused_and_left_as_a_link(task, tmp_path, cli) -> None:
    real = tmp_path / "elsewhere.md"
    task.draft.rename(real)
    task.draft.symlink_to(real)
    before = real.read_bytes()
    result = cli("approve", task.folder, "--reviewer", "alice")
    assert result.exit_code == 2 and "is a symbolic link" in result.output
    assert task.draft.is_symlink() and real.read_bytes() == before
    assert sorted(p.name for p in task.folder.iterdir() if p.name.startswith(".")) == []
    assert not list(task.folder.glob("draft.md.bak-*"))


@pytest.mark.parametrize("planted", ["link", "dangling link", "FIFO"])
def test_a_planted_lock_file_is_refused(task, tmp_path, cli, planted) -> None:
    target = tmp_path / "created-by-the-lock"
    if planted == "FIFO":
        os.mkfifo(lock_path(task.draft))
    else:
        if planted == "link":
            target.write_text("")
        os.symlink(target, lock_path(task.draft))
    before = task.draft.read_bytes()
    result = cli("reject", task.folder, "--reviewer", "bob", "--reason", "no")
    assert result.exit_code == 2 and "lock file" in result.output
    assert task.draft.read_bytes() == before
    assert target.exists() == (planted == "link")  # a dangling link's target is not created
    assert planted == "FIFO" or lock_path(task.draft).is_symlink()


def test_a_decision_bound_to_another_body_is_refused_and_writes_nothing(task) -> None:
    shown = read_draft(task.draft).content_hash
    task.write_body(task.body() + "\nEdited after the page was shown.\n")
    edited = task.draft.read_bytes()
    for decide in (lambda: approve(task.folder, "alice", shown=shown),
                   lambda: reject(task.folder, "alice", "vague", shown=shown)):
        with pytest.raises(InputError, match="changed on disk since the page showed it"):
            decide()
        assert task.draft.read_bytes() == edited
    assert not lock_path(task.draft).exists()
    assert approve(task.folder, "alice", shown=read_draft(task.draft).content_hash).written
