"""Drafts on disk: finding inputs, the JSON contract, exit codes, bad input, --fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.verify import Sources, exit_status, verify_draft, verify_paths
from reasondraft.verify.findings import FAMILIES
from reasondraft.verify.report import render, to_json

GOOD = ("## Summary\n\nThe guard [[pkg/core.py#L42-L43@patched]] in "
        "[[pkg/core.py::merge_setting]].\n")
BAD = "## Summary\n\nSee [[pkg/missing.py]] and [[pkg/core.py#L99]].\n"
CONTRACT = {"draft", "references", "errors", "warnings", "findings", "checks"}
FINDING = {"code", "severity", "ref", "line", "message", "suggestion", "fixable"}


def cli(*args: str, cwd: Path | None = None,
        env_columns: int | None = None) -> subprocess.CompletedProcess[str]:
    env = None if env_columns is None else {**os.environ, "COLUMNS": str(env_columns)}
    return subprocess.run([sys.executable, "-m", "reasondraft", "verify", *args],
                          capture_output=True, text=True, cwd=cwd, check=False, env=env)


def test_task_folder_json_contract_and_draft_lines(project, tmp_path) -> None:
    folder = project.task_folder(tmp_path / "t1", BAD)
    [report] = verify_paths([folder])
    data = report.to_json()
    assert set(data) == CONTRACT
    assert all(set(f) == FINDING for f in data["findings"])
    body_line = 1 + len(folder.joinpath("draft.md").read_text().split("---\n")[1].splitlines()) + 2
    lines = {f["ref"]: f["line"] for f in data["findings"] if f["ref"]}
    assert lines == {"pkg/missing.py": body_line + 2, "pkg/core.py#L99": body_line + 2}
    assert (data["references"], data["errors"]) == (2, 2)
    assert data["warnings"] == 5  # every hunk of the diff is uncited
    assert exit_status([report]) == 1
    checks = data["checks"]
    assert list(checks) == list(FAMILIES)
    assert checks["references"] == {"items": 2, "passed": 0, "share": 0.0}
    assert checks["hunks"] == {"items": 5, "passed": 0, "share": 0.0}
    assert checks["decisions"] == {"items": 0, "passed": 0, "share": None}  # not a trace


def test_checks_count_passing_references_once_each(project, tmp_path) -> None:
    """A reference with findings fails once; a clean reference passes."""
    folder = project.task_folder(tmp_path / "t1", GOOD + "See [[pkg/core.py#L99]] and "
                                 "[[pkg/missing.py]] in [[pkg/core.py#L4]].\n")
    [report] = verify_paths([folder])
    refs = report.to_json()["checks"]["references"]
    assert refs == {"items": 5, "passed": 3, "share": 0.6}


def test_hand_written_draft_with_flags_alone(project, tmp_path) -> None:
    draft = tmp_path / "notes" / "draft.md"
    draft.parent.mkdir()
    draft.write_text("Nothing but prose and [[pkg/core.py#L4]].\n")
    sources = Sources(repo=project.path, base=project.base)
    report = verify_draft(draft, sources)
    assert report.findings == []
    assert report.summary["references"] == 1
    patched = Sources(repo=project.path, base=project.base[:10],
                      patch=_write(tmp_path / "fix.diff", project.diff))
    warnings = verify_draft(draft, patched).findings
    assert {f.code for f in warnings} == {"RD-C001"}
    assert exit_status([verify_draft(draft, patched)], strict=True) == 1


def test_steps_without_a_trajectory_are_a_warning_strict_notices(project, tmp_path) -> None:
    """What could not be checked is a warning (one per draft): --strict fails on it."""
    draft = _write(tmp_path / "draft.md", "Read [[pkg/core.py#L4]] in [[step:1]] and "
                                          "[[step:2]].\n")
    flags = ("--repo", str(project.path), "--base", project.base)
    result = cli(str(draft), *flags, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("RD-P003", "warning")]
    assert data["warnings"] == 1
    assert cli(str(draft), *flags, "--strict").returncode == 1
    assert "1 warning" in cli(str(draft), *flags).stdout


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_directory_with_a_broken_task_folder(project, tmp_path) -> None:
    root = tmp_path / "out"
    project.task_folder(root / "a", GOOD)
    project.task_folder(root / "b", BAD)
    broken = project.task_folder(root / "c", GOOD)
    (broken / "draft.md").write_bytes(b"caf\xe9\n")
    (root / "not-a-task").mkdir()
    reports = verify_paths([root])
    assert [r.path.parent.name for r in reports] == ["a", "b", "c"]
    assert [r.summary["errors"] for r in reports] == [0, 2, 1]
    assert reports[2].findings[0].code == "RD-I001"
    assert "not UTF-8" in reports[2].findings[0].message
    assert exit_status(reports) == 2
    assert [d["draft"] for d in to_json(reports)] == [str(r.path) for r in reports]


@pytest.mark.parametrize("damage, message", [
    ("front", "front matter is not valid YAML"),
    ("utf8", "not UTF-8"),
    ("repo", "repository path does not exist"),
    ("commit", "is not in the repository"),
    ("trajectory", "trajectory"),
    ("nothing", "no draft.md"),
])
def test_bad_input_is_one_line_and_exit_2(project, tmp_path, damage, message) -> None:
    folder = project.task_folder(tmp_path / "t", GOOD)
    draft = folder / "draft.md"
    if damage == "front":
        draft.write_text("---\ninstance_id: [unclosed\n---\nbody\n")
    elif damage == "utf8":
        draft.write_bytes(b"---\nx: 1\n---\n\xff\n")
    elif damage == "repo":
        draft.write_text(draft.read_text().replace(str(project.path), str(tmp_path / "gone")))
    elif damage == "commit":
        task = json.loads((folder / "task.json").read_text())
        (folder / "task.json").write_text(json.dumps(dict(task, base_commit="1" * 40)))
    elif damage == "trajectory":
        (folder / "trajectory.json").write_text("{not json")
    else:
        draft.unlink()
    with pytest.raises(InputError, match=message):
        verify_paths([folder])
    result = cli(str(folder))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_cli_json_exit_codes_and_terminal_report(project, tmp_path) -> None:
    good = project.task_folder(tmp_path / "good", GOOD)
    bad = project.task_folder(tmp_path / "bad", BAD)
    result = cli(str(bad), "--json")
    assert result.returncode == 1, result.stderr
    assert set(json.loads(result.stdout)) == CONTRACT
    both = cli(str(good), str(bad), "--json")
    assert [d["errors"] for d in json.loads(both.stdout)] == [0, 2]
    assert cli(str(good)).returncode == 0
    assert cli(str(good), "--strict").returncode == 1  # uncited hunks are warnings
    text = cli(str(bad)).stdout
    assert "RD-F001" in text
    assert "[[pkg/missing.py]]" in text
    assert "2 references, 2 errors, 5 warnings" in text
    assert cli(str(good), "--repo", "x", "--repos", "y").returncode == 2


def test_terminal_report_shows_the_real_lines(project, tmp_path) -> None:
    from rich.console import Console

    body = "```quote pkg/core.py#L8-L9\ndef helper(y):\n    return y\n```\n"
    folder = project.task_folder(tmp_path / "t", body)
    console = Console(record=True, width=120)
    render(verify_paths([folder]), console)
    out = console.export_text()
    assert "RD-Q001" in out
    assert "```quote pkg/core.py#L8-L9" in out
    assert "def helper(x):" in out
    assert "return x * 2" in out


SHIFTED = '''See [[/testbed/pkg/core.py#L8-L9]] and the quote:

```quote /testbed/pkg/core.py#L30-L31
def helper(x):
    return x * 2
```

Also [[pkg/core.py#L45]] (unfixable) and [[pkg/core.py#L4@patched]].
'''


def test_fix_repairs_prefixes_and_quote_lines_and_is_idempotent(project, tmp_path) -> None:
    folder = project.task_folder(tmp_path / "t", SHIFTED.replace("\n", "\r\n"),
                                 front={"note": "keep  me"})
    draft = folder / "draft.md"
    draft.write_bytes(b"\xef\xbb\xbf" + draft.read_bytes())
    before = draft.read_bytes()
    [report] = verify_paths([folder], fix=True)
    after = draft.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf---\n")
    assert after.count(b"\r\n") == before.count(
        b"\r\n")
    assert after.split(b"---\n")[1] == before.split(b"---\n")[1]  # front matter untouched
    text = after.decode("utf-8-sig")
    assert "[[pkg/core.py#L8-L9]]" in text
    assert "```quote pkg/core.py#L8-L9\r\n" in text
    assert "[[pkg/core.py#L45]]" in text
    see = text.splitlines().index("See [[pkg/core.py#L8-L9]] and the quote:") + 1
    assert [(e.line, e.old, e.new) for e in report.fixes] == [
        (see, "/testbed/pkg/core.py#L8-L9", "pkg/core.py#L8-L9"),
        (see + 2, "/testbed/pkg/core.py#L30-L31", "pkg/core.py#L30-L31"),
        (see + 2, "pkg/core.py#L30-L31", "pkg/core.py#L8-L9")]
    assert [f.code for f in report.findings if f.severity == "error"] == ["RD-L001"]
    [again] = verify_paths([folder], fix=True)
    assert again.fixes == []
    assert draft.read_bytes() == after


def test_fix_writes_nothing_when_the_draft_changed_meanwhile(project, tmp_path,
                                                           monkeypatch) -> None:
    from reasondraft.verify import run

    folder = project.task_folder(tmp_path / "t", SHIFTED)
    draft = folder / "draft.md"
    real = run.fix_document

    def edit_meanwhile(text, ctx, where):
        draft.write_text(text + "\nA human typed this.\n")
        return real(text, ctx, where)

    monkeypatch.setattr(run, "fix_document", edit_meanwhile)
    with pytest.raises(InputError, match="changed on disk"):
        verify_draft(folder, fix=True)
    assert draft.read_text().endswith("A human typed this.\n")
    assert "/testbed/" in draft.read_text()


def test_cli_fix_prints_each_changed_reference_whole(project, tmp_path) -> None:
    """A Markdown paragraph is one long line: a diff of lines cut at the terminal width
    showed the same text on - and +. --fix names each reference it replaced, whole."""
    prose = "The session merges the request settings over its own, " * 6
    folder = project.task_folder(tmp_path / "t", SHIFTED.replace("See ", prose))
    result = cli(str(folder), "--fix", env_columns=80)
    assert result.returncode == 1
    assert "/testbed/pkg/core.py#L8-L9 → pkg/core.py#L8-L9" in result.stdout
    assert "pkg/core.py#L30-L31 → pkg/core.py#L8-L9" in result.stdout
    second = cli(str(folder), "--fix", "--json")
    assert second.stderr == ""
    assert json.loads(second.stdout)["errors"] == 1


def test_verify_does_not_import_the_llm_stack(project, tmp_path, heavy_modules_after) -> None:
    folder = project.task_folder(tmp_path / "t", GOOD)
    assert heavy_modules_after(["verify", str(folder), "--json"]) == []


def test_a_draft_of_references_alone_loads_no_trace_machinery(project, tmp_path,
                                                              heavy_modules_after) -> None:
    """A draft declaring no trace format, in a task without a trajectory, is verified
    without the trace models, their parsers, the evidence checks, the trajectory readers,
    the review commands or their records (no decision is recorded), and without pydantic's
    model machinery (its instance and findings are dataclasses; typer 0.29 would load it to
    check each parameter): loading them cost ~0.1 s of CPU, pydantic's ~50 ms more."""
    folder = project.task_folder(tmp_path / "t", GOOD)
    watch = ("reasondraft.trace", "reasondraft.trace_v1", "reasondraft.body.v2",
             "reasondraft.verify.evidence", "reasondraft.trajectory",
             "reasondraft.review.status", "reasondraft.review.record", "rich.table",
             "pydantic.main")
    assert heavy_modules_after(["verify", str(folder), "--json"], watch=watch) == []


def test_instance_row_picked_by_id(project, tmp_path) -> None:
    rows = tmp_path / "instances.jsonl"
    other = replace(project.instance, instance_id="other-1")
    rows.write_text(json.dumps(project.instance.to_dict()) + "\n" + json.dumps(other.to_dict())
                    + "\n")
    draft = _write(tmp_path / "draft.md", "[[pkg/core.py#L42-L43@patched]]\n")
    result = cli(str(draft), "--instance", str(rows), "--repo", str(project.path), "--json")
    assert result.returncode == 2
    assert "--id" in result.stderr
    result = cli(str(draft), "--instance", str(rows), "--id", "demo__demo-1", "--repo",
                 str(project.path), "--json")
    assert json.loads(result.stdout)["errors"] == 0, result.stderr


def test_verify_does_not_import_review(project, tmp_path) -> None:
    """Whether an approval still counts is the review layer's question: verify (every
    module of it, and verifying and fixing a draft) builds on nothing of reasondraft.review."""
    folder = project.task_folder(tmp_path / "t", SHIFTED)
    code = ("import pkgutil, sys, importlib, pathlib, reasondraft.verify as v\n"
            "for m in pkgutil.iter_modules(v.__path__):\n"
            "    importlib.import_module(f'reasondraft.verify.{m.name}')\n"
            f"v.verify_draft(pathlib.Path({str(folder)!r}), fix=True)\n"
            "print(sorted(n for n in sys.modules if n.startswith('reasondraft.review')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
