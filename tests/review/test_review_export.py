"""export: approved traces as JSONL, the human's edits included; skips and schema."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from reasondraft.body import render_body
from reasondraft.review import approve, reject
from reasondraft.review.export import ExportLine, export, schema
from reasondraft.verify.findings import FAMILIES

NEW_STEP = """## Step 3: Check mul for the same slip

Phase: verify

[[pkg/calc.py::mul]] multiplies correctly, so only `add` needed the fix.

"""


def hand_edit(body: str) -> str:
    """A person adds a step and a section of their own (Trade-offs, a required section, stays)."""
    return body.replace("## Solution", NEW_STEP + "## Solution").replace(
        "## Trade-offs", "## Alternatives we weighed\n\n- None worth noting.\n\n## Trade-offs")


def read_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_hand_edited_trace_round_trips(task, tmp_path, cli) -> None:
    task.write_body(hand_edit(task.body()))
    approve(task.folder, "alice", note="added step 3")
    out = tmp_path / "out.jsonl"
    result = cli("export", task.folder.parent, "--out", out)
    assert result.exit_code == 0, result.output
    assert "exported 1 trace" in result.stdout
    [line] = read_lines(out)
    body = task.body()
    assert line["body"] == body
    assert line["content_hash"] == line["review"]["content_hash"]
    assert line["status"] == "approved"
    assert line["review"]["note"] == "added step 3"
    assert line["instance_id"] == "calc__calc-1"
    assert line["base_commit"]
    assert [s["title"] for s in line["trace"]["steps"]] == [
        "Reproduce the bug", "Fix add", "Check mul for the same slip"]
    assert "[[pkg/calc.py::mul]]" in line["trace"]["steps"][2]["reasoning"]
    [extra] = [e for e in line["extras"] if e["heading"] == "Alternatives we weighed"]
    assert extra["text"] == "- None worth noting."
    assert extra["after"] == "Solution"
    assert not extra["reshaped"]
    assert line["trace"]["trade_offs"] == ["None worth noting."]
    parsed = ExportLine.model_validate(line)  # the line matches its own model
    kept = render_body(parsed.trace) + "\n".join(f"## {e.heading}\n{e.text}"
                                                 for e in parsed.extras)
    assert all(text in kept for text in body.splitlines() if text.strip())
    assert line["edit_rate"] > 0
    assert line["provenance"]["model"] == "fixture/example"


def test_references_carry_the_code_of_both_revisions(task, tmp_path) -> None:
    approve(task.folder, "alice")
    export(task.folder, tmp_path / "out.jsonl")
    [line] = read_lines(tmp_path / "out.jsonl")
    refs = {(r["ref"], r["quote"]): r for r in line["references"]}
    assert refs[("pkg/calc.py#L4-L5", False)]["code"] == "def add(a, b):\n    return a - b"
    patched = refs[("pkg/calc.py#L5@patched", False)]
    assert patched["code"] == "    return a + b"
    assert patched["rev"] == "patched"
    assert refs[("pkg/calc.py::add", False)]["start"] == 4
    assert "def test_add():" in refs[("test:tests/test_calc.py::test_add", False)]["code"]
    assert refs[("step:2", False)]["steps"] == [
        {"number": 2, "kind": "test", "action": "pytest tests/test_calc.py"}]
    assert refs[("pkg/calc.py#L5", True)]["kind"] == "file"
    assert line["verify"] == {"references": 11, "errors": 0, "warnings": 0}
    assert line["checks"]["references"] == {"items": 11, "passed": 11, "share": 1.0}
    assert line["checks"]["hunks"] == {"items": 1, "passed": 1, "share": 1.0}
    assert list(line["checks"]) == list(FAMILIES)


def test_only_standing_approvals_are_exported(project, tmp_path, cli) -> None:
    root = tmp_path / "drafts"
    tasks = {name: project.task(root / name, instance_id=name) for name in "abcde"}
    approve(tasks["a"].folder, "alice")
    approve(tasks["b"].folder, "alice")
    tasks["b"].write_body(tasks["b"].body() + "\nLater edit.\n")
    reject(tasks["c"].folder, "carol", "no")
    tasks["e"].draft.write_text("---\nstatus: [\n---\n## Summary\n")
    out = tmp_path / "out.jsonl"
    result = cli("export", root, "--out", out, "--json")
    assert result.exit_code == 1  # e could not be exported
    summary = json.loads(result.stdout)
    assert summary["exported"] == 1
    assert summary["skipped"] == 3
    assert summary["skipped_by_reason"] == {"modified since approval": 1, "rejected": 1,
                                            "not approved": 1}
    assert [f["draft"].split("/")[-2] for f in summary["failed"]] == ["e"]
    assert [line["instance_id"] for line in read_lines(out)] == ["a"]

    text = cli("export", root, "--out", out).stdout
    assert "skipped 3 (1 modified since approval, 1 rejected, 1 not approved)" in text
    assert "not exported" in text

    every = export(root, out, include_all=True)
    assert every.exported == 4
    assert not every.skipped
    assert {line["instance_id"]: line["status"] for line in read_lines(out)} == {
        "a": "approved", "b": "modified", "c": "rejected", "d": "draft"}


def test_schema(cli) -> None:
    result = cli("export", "--schema")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == schema()
    assert {"instance_id", "trace", "extras", "body", "references", "review",
            "provenance", "edit_rate", "checks"} <= set(printed["properties"])
    assert set(printed["$defs"]["CheckScore"]["properties"]) == {"items", "passed", "share"}
    assert cli("export").exit_code == 2


def test_out_must_be_a_file(task, tmp_path, cli) -> None:
    result = cli("export", task.folder, "--out", tmp_path)
    assert result.exit_code == 2
    assert "--out takes a file name" in result.output


@pytest.mark.parametrize("target", ["link to stdout", "link to a file", "FIFO", "/proc/version"])
def test_out_is_never_a_link_or_a_special_file(task, tmp_path, cli, target) -> None:
    approve(task.folder, "alice")
    (tmp_path / "real.jsonl").write_text("kept\n")
    os.symlink("/proc/self/fd/1", tmp_path / "stdout")
    os.symlink(tmp_path / "real.jsonl", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    out, says = {"link to stdout": (tmp_path / "stdout", "is a symbolic link"),
                 "link to a file": (tmp_path / "link", "is a symbolic link"),
                 "FIFO": (tmp_path / "fifo", "is a FIFO"),
                 "/proc/version": (Path("/proc/version"), "cannot create files in /proc")}[target]
    result = cli("export", task.folder, "--out", out)
    assert result.exit_code == 2
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "stdout").is_symlink()
    assert (tmp_path / "link").is_symlink()
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
    assert (tmp_path / "real.jsonl").read_text() == "kept\n"


def test_a_backup_or_staging_folder_is_not_exported(task, tmp_path) -> None:
    approve(task.folder, "alice")
    shutil.copytree(task.folder, task.folder.parent / f".{task.folder.name}.bak-20260101T000000Z")
    result = export(task.folder.parent, tmp_path / "out.jsonl")
    assert result.exported == 1
    assert not result.failed
