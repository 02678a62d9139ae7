"""Approvals that must not pass: typed by hand, gone stale, or malformed; hostile front
matter (duplicate keys, aliases, deep nesting) as one line through every command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from rich.console import Console

from reasondraft.document import body_hash, join_document, read_draft
from reasondraft.errors import InputError
from reasondraft.review import approve, reject, scan, standing
from reasondraft.review.export import export
from reasondraft.review.record import current_inputs
from reasondraft.review.show import show

PASSWD = "\nThe config is read as in [[/etc/passwd#L1]] and [[../../../etc/passwd]].\n"
OTHER_DIFF = """diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -8,2 +8,2 @@ def add(a, b):
 def mul(a, b):
-    return a * b
+    return b * a
"""


def render(path) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    for item in show(path):
        console.print(item)
    return console.file.getvalue()


def hand_type(task, body: str, **fields) -> None:
    """What a forger writes: a record over ``body`` with every hash computed correctly."""
    draft = read_draft(task.draft)
    record = {"decision": "approved", "reviewer": "mallory", "time": "2026-01-02T03:04:05Z",
              "note": None, "reason": None, "override": None, "content_hash": body_hash(body),
              "verify": {"references": 13, "errors": 0, "warnings": 0},
              "inputs": current_inputs(draft).model_dump(), **fields}
    task.draft.write_text(join_document({**draft.front, "status": "approved",
                                         "review": record}, body))


def status_json(cli, path, *options) -> list[dict]:
    result = cli("status", path, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_hand_typed_record_over_a_failing_body_is_not_exported_as_approved(
        task, tmp_path, cli) -> None:
    body = task.body() + PASSWD
    hand_type(task, body)
    assert scan(task.folder)[0].status == "approved"  # unsigned: it proves nothing more

    out = tmp_path / "out.jsonl"
    result = cli("export", task.folder.parent, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["exported"] == 0
    assert summary["skipped_by_reason"] == {"verify errors differ from the approval": 1}
    assert out.read_text() == ""
    assert "skipped 1 (1 verify errors differ from the approval)" in \
        cli("export", task.folder.parent, "--out", out).stdout

    export(task.folder.parent, out, include_all=True)
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line["status"] == "stale"
    assert line["verify"]["errors"] == 2
    assert line["review"]["verify"]["errors"] == 0
    assert line["status_reason"] == ("stale: verify finds 2 error(s) now; the approval "
                                     "recorded 0")

    [row] = status_json(cli, task.folder, "--verify")
    assert row["status"] == "stale"
    assert "verify finds 2 error(s)" in row["problem"]
    assert "stale: verify finds 2 error(s) now" in cli("verify", task.folder).stdout
    assert "warning: stale: verify finds 2 error(s) now" in render(task.folder)


def test_an_override_on_record_is_exported_with_its_errors(task, tmp_path) -> None:
    body = task.body() + PASSWD
    hand_type(task, body, override="the passwd lines are illustrative")
    result = export(task.folder, tmp_path / "out.jsonl")
    assert result.exported == 1
    assert not result.skipped


def replace_patch(task) -> None:
    (task.folder / "patch.diff").write_text(OTHER_DIFF)


@pytest.mark.parametrize(("change", "named"), [
    (replace_patch, "patch.diff"),
    (lambda task: (task.folder / "trajectory.json").write_text("[]"), "trajectory"),
    (lambda task: (task.folder / "task.json").write_text(
        (task.folder / "task.json").read_text().replace("calc/calc", "calc/other")),
     "task.json"),
    (lambda task: (task.folder / "report.json").write_text("{}"), "report.json"),
    (lambda task: task.draft.write_text(task.draft.read_text().replace(
        "instance_id: calc__calc-1", "instance_id: calc__calc-2")),
     "front matter instance_id/repo/base_commit"),
])
def test_every_input_is_bound(task, change, named) -> None:
    approve(task.folder, "alice")
    change(task)
    where = standing(read_draft(task.draft))
    assert where.status == "stale"
    assert where.problem == f"{named} changed since the approval"


def test_a_patch_replaced_after_approval_is_stale_everywhere(task, tmp_path, cli) -> None:
    approve(task.folder, "alice")
    replace_patch(task)

    [row] = status_json(cli, task.folder.parent)
    assert row["status"] == "stale"
    assert row["modified_since_approval"] is False
    assert row["problem"] == "patch.diff changed since the approval"
    table = cli("status", task.folder.parent).stdout
    assert "1 draft: 1 stale" in table
    assert "calc__calc-1: stale: patch.diff changed since the approval" in table
    assert "warning: stale: patch.diff changed since the approval, so it no longer counts " \
           "as approved" in render(task.folder)
    assert "stale: patch.diff changed since the approval" in cli("verify", task.folder).stdout

    out = tmp_path / "out.jsonl"
    result = export(task.folder.parent, out)
    assert result.exported == 0
    assert result.reasons() == {"inputs changed since approval": 1}
    export(task.folder.parent, out, include_all=True)
    line = json.loads(out.read_text())
    assert line["status"] == "stale"
    assert line["status_reason"] == "stale: patch.diff changed since the approval"

    again = approve(task.folder, "bob")  # a stale approval needs no --force
    assert again.written
    assert again.backup is None
    assert scan(task.folder)[0].status == "approved"
    assert [h["reviewer"] for h in read_draft(task.draft).front["review_history"]] == ["alice"]


def test_a_rejection_is_feedback_on_the_inputs_too(task) -> None:
    reject(task.folder, "carol", "wrong step")
    replace_patch(task)
    row = scan(task.folder)[0]
    assert row.status == "draft"
    assert row.decision == "rejected"


def test_the_record_holds_the_input_hashes_the_drafter_recorded(task) -> None:
    outcome = approve(task.folder, "alice")
    inputs = read_draft(task.draft).front["review"]["inputs"]
    assert outcome.record is not None
    assert inputs == outcome.record.inputs.model_dump()
    assert inputs["patch"] == "sha256:" + __import__("hashlib").sha256(
        (task.folder / "patch.diff").read_bytes()).hexdigest()
    assert inputs["report"] is None
    assert inputs["trajectory"]
    assert inputs["task"]


def test_an_input_changed_during_approval_writes_nothing(task, monkeypatch) -> None:
    from reasondraft.verify import run as module  # where approve verifies

    real = module.check_draft

    def check_while_someone_replaces_the_patch(*args, **kwargs):
        replace_patch(task)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "check_draft", check_while_someone_replaces_the_patch)
    before = task.draft.read_bytes()
    with pytest.raises(InputError, match=r"patch\.diff changed while being reviewed"):
        approve(task.folder, "alice")
    assert task.draft.read_bytes() == before


def test_an_old_record_binds_the_body_only_and_says_so(task, cli) -> None:
    approve(task.folder, "alice")
    draft = read_draft(task.draft)
    del draft.front["review"]["inputs"]
    task.draft.write_text(draft.render())
    replace_patch(task)
    [row] = status_json(cli, task.folder)
    assert row["status"] == "approved"
    assert row["inputs_bound"] is False
    assert "approved by alice at 20" in render(task.folder)
    assert ", binding the body only" in cli("show", task.folder, "--no-expand").stdout


def test_duplicate_review_keys_are_refused_with_the_line(task, tmp_path, cli) -> None:
    approve(task.folder, "alice")
    text = task.draft.read_text()
    lines = text.split("\n")
    first = lines.index("review:") + 1
    close = lines.index("---", 1)
    forged = "\n".join([*lines[:close], "review:", "  decision: rejected", *lines[close:]])
    task.draft.write_text(forged)
    line = close + 1
    message = f"draft.md:{line}: duplicate key 'review' (first on line {first})"
    result = cli("approve", task.folder, "--reviewer", "bob", "--force")
    assert result.exit_code == 2
    assert message in result.output
    assert task.draft.read_text() == forged
    [row] = status_json(cli, task.folder)
    assert row["status"] == "broken"
    assert message in row["problem"]
    result = export(task.folder, tmp_path / "out.jsonl", include_all=True)
    assert result.exported == 0
    assert message in result.failed[0][1]


def edit_record(task, old: str, new: str) -> int:
    """Replace one line of the record; returns that line's number."""
    lines = task.draft.read_text().split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip() == old)
    lines[index] = lines[index].replace(old, new)
    task.draft.write_text("\n".join(lines))
    return index + 1


def test_a_blank_reviewer_is_refused_with_line_and_key(task, cli) -> None:
    approve(task.folder, "alice")
    line = edit_record(task, "reviewer: alice", "reviewer: '  '")
    where = standing(read_draft(task.draft))
    assert where.status == "broken"
    assert where.problem.endswith(f"draft.md:{line}: key 'review.reviewer': must not be blank")
    result = cli("approve", task.folder, "--reviewer", "bob")
    assert result.exit_code == 2
    assert f"draft.md:{line}: key 'review.reviewer'" in result.output


@pytest.mark.parametrize("value", ["-1", "'0'", "true", "1.5", "null"])
def test_counts_must_be_non_negative_integers(task, value: str) -> None:
    approve(task.folder, "alice")
    line = edit_record(task, "errors: 0", f"errors: {value}")
    where = standing(read_draft(task.draft))
    assert where.status == "broken"
    assert f"draft.md:{line}: key 'review.verify.errors': " in where.problem


def test_history_records_are_checked_as_strictly(task, tmp_path) -> None:
    approve(task.folder, "alice")
    approve(task.folder, "bob", force=True)
    draft = read_draft(task.draft)
    draft.front["review_history"][0]["verify"]["warnings"] = -3
    task.draft.write_text(draft.render())
    line = task.draft.read_text().split("\n").index("    warnings: -3") + 1
    result = export(task.folder, tmp_path / "out.jsonl")
    assert result.exported == 0
    assert f"draft.md:{line}: key 'review_history.0.verify.warnings': Input should be " \
           "greater than or equal to 0" in result.failed[0][1]


def deep(task, depth: int = 500) -> str:
    text = task.draft.read_text().replace("status: draft",
                                          "status: draft\nnotes: " + "[" * depth + "]" * depth)
    task.draft.write_text(text)
    return text


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reasondraft", *map(str, args)],
                          capture_output=True, text=True, check=False, env=os.environ)


def test_lists_nested_500_deep_are_one_line_exit_2(task, tmp_path) -> None:
    text = deep(task)
    line = next(n for n, t in enumerate(text.split("\n"), 1) if t.startswith("notes:"))
    message = f"draft.md:{line}: front matter nests deeper than 32 levels"
    for command in (["approve", task.folder, "--reviewer", "alice"], ["verify", task.folder]):
        result = run(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert task.draft.read_text() == text
    shown = run("show", task.folder, "--no-pager")  # show opens broken drafts, with a warning
    assert shown.returncode == 0
    assert message in " ".join(shown.stdout.split())
    result = run("status", task.folder, "--json")
    assert result.returncode == 0
    assert message in json.loads(result.stdout)[0]["problem"]
    result = run("export", task.folder, "--out", tmp_path / "out.jsonl", "--all")
    assert result.returncode == 1
    assert message in result.stdout  # listed as not exported
    assert "Traceback" not in result.stderr


def test_an_alias_bomb_is_refused_by_every_command(task, tmp_path, cli) -> None:
    levels = "\n".join(["lol0: &l0 [" + ", ".join(["lol"] * 10) + "]"] + [
        f"lol{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 9)])
    text = task.draft.read_text().replace("status: draft", f"status: draft\n{levels}")
    task.draft.write_text(text)
    line = text.split("\n").index(levels.split("\n")[1]) + 1
    message = f"draft.md:{line}: YAML alias '*l0': anchors and aliases are not allowed"
    for command in (["approve", task.folder, "--reviewer", "alice"], ["verify", task.folder]):
        result = cli(*command)
        assert result.exit_code == 2, command
        assert message in result.output, command
    assert task.draft.read_text() == text
    assert message in " ".join(cli("show", task.folder, "--no-expand").stdout.split())
    [row] = status_json(cli, task.folder)
    assert row["status"] == "broken"
    assert message in row["problem"]
    result = export(task.folder, tmp_path / "out.jsonl", include_all=True)
    assert result.exported == 0
    assert message in result.failed[0][1]
