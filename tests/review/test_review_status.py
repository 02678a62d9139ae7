"""status: rows read cheaply from disk, totals, --verify, edit rate, --by model."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from reasondraft.review import approve, by_model, edit_rate, reject, scan, totals
from reasondraft.review.status import count_steps

NOW = datetime(2026, 1, 3, tzinfo=UTC)


@pytest.fixture
def drafts(project, tmp_path):
    """Four tasks: approved, modified since approval, rejected, untouched draft."""
    root = tmp_path / "drafts"
    tasks = {name: project.task(root / name, instance_id=name,
                                model="m1" if name != "d" else "m2")
             for name in ("a", "b", "c", "d")}
    approve(tasks["a"].folder, "alice")
    approve(tasks["b"].folder, "bob")
    tasks["b"].write_body(tasks["b"].body() + "\nA human's extra paragraph.\n")
    reject(tasks["c"].folder, "carol", "wrong step")
    return root, tasks


def test_rows_and_totals(drafts) -> None:
    root, _ = drafts
    rows = {row.instance_id: row for row in scan(root, now=NOW)}
    assert {k: r.status for k, r in rows.items()} == {
        "a": "approved", "b": "modified", "c": "rejected", "d": "draft"}
    assert rows["b"].modified_since_approval
    assert rows["b"].reviewer == "bob"
    assert rows["a"].steps == 2
    assert rows["a"].errors is None
    assert rows["a"].edit_rate == 0.0
    assert rows["b"].edit_rate > 0
    assert rows["d"].age_seconds == 2 * 86_400
    assert rows["d"].model == "m2"
    total = totals(list(rows.values()))
    assert (total["drafts"], total["approved"], total["modified"], total["rejected"],
            total["draft"]) == (4, 1, 1, 1, 1)
    assert total["errors"] is None


def test_status_json_contract(drafts, cli) -> None:
    root, _ = drafts
    result = cli("status", root, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert len(rows) == 4
    for row in rows:
        assert {"instance_id", "path", "status", "errors", "reviewer",
                "modified_since_approval", "edit_rate", "steps"} <= row.keys()
        assert row["errors"] is None
    verified = json.loads(cli("status", root, "--json", "--verify").stdout)
    assert [row["errors"] for row in verified] == [0, 0, 0, 0]


def test_status_table_counts_modified_apart(drafts, cli) -> None:
    root, _ = drafts
    out = cli("status", root).stdout
    assert "4 drafts: 1 draft, 1 approved, 1 rejected, 1 modified" in out
    assert "yes" in out  # the modified-since-approval column


def test_verify_fills_errors(drafts) -> None:
    root, tasks = drafts
    tasks["d"].write_body(tasks["d"].body().replace("fails [[step:2]]", "fails [[step:9]]"))
    rows = {row.instance_id: row for row in scan(root, verify=True)}
    assert rows["d"].errors == 1
    assert rows["a"].errors == 0
    assert totals(list(rows.values()))["errors"] == 1
    refs_a, refs_d = rows["a"].checks["references"], rows["d"].checks["references"]
    assert refs_a["share"] == 1.0
    assert refs_d["passed"] == refs_d["items"] - 1


def test_verify_shows_a_share_per_check_family(drafts, cli) -> None:
    """--verify adds a column per family (the share of items passing); --json the counts."""
    root, tasks = drafts
    tasks["d"].write_body(tasks["d"].body().replace("fails [[step:2]]", "fails [[step:9]]"))
    plain = cli("status", root).stdout
    assert "refs" not in plain
    assert "hunks" not in plain
    table = cli("status", root, "--verify").stdout.splitlines()
    header = table[0].split()
    assert header[-9:] == ["refs", "hind", "claims", "f2p", "decis", "struct", "code",
                           "hunks", "path"]
    refs = {line.split()[0]: line.split()[-9] for line in table[1:5]}  # the last 9 columns
    assert refs["a"] == "100%"
    assert refs["d"] != "100%"
    assert refs["d"].endswith("%")
    verified = json.loads(cli("status", root, "--json", "--verify").stdout)
    d = next(row for row in verified if row["instance_id"] == "d")
    assert d["checks"]["references"]["passed"] == d["checks"]["references"]["items"] - 1


def test_broken_drafts_are_rows_not_failures(drafts) -> None:
    root, tasks = drafts
    draft = tasks["d"].draft
    draft.write_text(draft.read_text().replace("status: draft", "status: [draft"))
    (root / "e").mkdir()
    (root / "e" / "draft.md").write_bytes(b"\xff\xfe not utf-8")
    rows = {row.instance_id: row for row in scan(root, verify=True)}
    assert rows["d"].status == "broken"
    assert "not valid YAML" in rows["d"].problem
    assert rows["d"].steps == 2
    assert rows["d"].errors is None
    assert rows["e"].status == "broken"
    assert "not UTF-8" in rows["e"].problem
    assert totals(list(rows.values()))["broken"] == 2


def test_by_model(drafts, cli) -> None:
    root, _ = drafts
    summaries = {s["model"]: s for s in by_model(scan(root))}
    assert summaries["m1"]["drafts"] == 3
    assert summaries["m2"]["drafts"] == 1
    assert summaries["m1"]["approved"] == 1
    assert summaries["m1"]["modified"] == 1
    assert summaries["m1"]["edited"] == 1
    assert summaries["m1"]["mean_edit_rate"] > 0
    assert summaries["m2"]["mean_edit_rate"] == 0.0
    assert summaries["m1"]["prompt"] == "sha256:0123456789abcdef"
    result = cli("status", root, "--by", "model", "--json")
    assert [s["model"] for s in json.loads(result.stdout)] == ["m1", "m2"]
    assert "m1" in cli("status", root, "--by", "model").stdout
    bad = cli("status", root, "--by", "prompt")
    assert bad.exit_code == 2
    assert "--by prompt" in bad.output


def test_edit_rate_definition() -> None:
    assert edit_rate("a\nb\nc\nd\n", "a\nb\nc\nd\n") == 0.0
    assert edit_rate("a\nb\nc\nd\n", "w\nx\ny\nz\n") == 1.0
    assert edit_rate("a\nb\nc\nd\n", "a\nb\nX\nd\n") == 0.25  # 1 - 2*3/8
    assert edit_rate("a\nb\n", "a\r\nb\r\n") == 0.0
    assert edit_rate("", "") == 0.0
    blank_heavy = "\n".join(["x", ""] * 300)
    assert edit_rate(blank_heavy, blank_heavy + "\ny") < 0.01  # blank lines are not junk


def test_steps_are_counted_from_the_body(task) -> None:
    assert count_steps(task.body()) == 2
    assert count_steps("## Step 1: a\n```\n## Step 2: in a fence\n```\n## Steps\n") == 1


def test_no_drafts_is_bad_input(tmp_path, cli) -> None:
    result = cli("status", tmp_path)
    assert result.exit_code == 2
    assert "no draft.md" in result.output


@pytest.fixture
def copies(project, tmp_path):
    """One instance drafted four times: as the batch names runs, plus a plain copy."""
    root = tmp_path / "drafts"
    for folder in ("calc__calc-1", "calc__calc-1__agent-a", "calc__calc-1__agent-b", "retry"):
        project.task(root / folder)
    for run in ("agent-a", "agent-b"):
        draft = root / f"calc__calc-1__{run}" / "draft.md"
        draft.write_text(draft.read_text().replace("status: draft",
                                                   f"run: {run}\nstatus: draft", 1))
    return root


def test_drafts_of_one_instance_are_told_apart_by_folder_and_run(copies, cli) -> None:
    table = cli("status", copies).stdout.splitlines()
    names = [line.split()[0] for line in table[1:5]]
    assert names == ["calc__calc-1", "calc__calc-1__agent-a", "calc__calc-1__agent-b",
                     "retry"]
    assert "retry (calc__calc-1)" in table[4]
    rows = json.loads(cli("status", copies, "--json").stdout)
    assert [(r["instance_id"], r["folder"], r["run"]) for r in rows] == [
        ("calc__calc-1", "calc__calc-1", None),
        ("calc__calc-1", "calc__calc-1__agent-a", "agent-a"),
        ("calc__calc-1", "calc__calc-1__agent-b", "agent-b"),
        ("calc__calc-1", "retry", None)]


def test_export_all_lines_carry_their_folder_and_run(copies, cli, tmp_path) -> None:
    out = tmp_path / "all.jsonl"
    result = cli("export", copies, "--all", "--out", out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["folder"], line["run"]) for line in lines] == [
        ("calc__calc-1", None), ("calc__calc-1__agent-a", "agent-a"),
        ("calc__calc-1__agent-b", "agent-b"), ("retry", None)]
    said = " ".join(result.stdout.split())
    assert ("calc__calc-1: 4 lines, one per task folder (calc__calc-1, calc__calc-1__agent-a, "
            "calc__calc-1__agent-b, retry)") in said


def test_an_override_approval_shows_as_such(drafts, cli) -> None:
    """An approval that counts despite verify errors read like any other in status."""
    root, tasks = drafts
    task = tasks["d"]
    task.write_body(task.body().replace("fails [[step:2]]", "fails [[step:9]]"))
    approve(task.folder, "dana", override="step 9 is in the full log")
    rows = {row["instance_id"]: row for row in json.loads(cli("status", root, "--json").stdout)}
    assert (rows["d"]["status"], rows["d"]["override"]) == ("approved",
                                                            "step 9 is in the full log")
    assert rows["a"]["override"] is None
    table = cli("status", root, "--verify").stdout
    assert "approved (override)" in table
    assert table.count("(override)") == 1
