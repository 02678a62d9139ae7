"""Both trace formats through review: a format-2 draft and a format-1 draft verify, show,
approve, report status and export; the export line's contract keys and its schema."""

from __future__ import annotations

import io
import json

from rich.console import Console

from reasondraft.review import approve, scan
from reasondraft.review.export import ExportLine, schema
from reasondraft.review.show import show
from reasondraft.verify import verify_draft

CONTRACT = ("id", "set", "visible_to_agent", "before", "after", "source")


def shown(path) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    for item in show(path):
        console.print(item)
    return console.file.getvalue()


def exported(folder, tmp_path, cli) -> dict:
    out = tmp_path / "out.jsonl"
    result = cli("export", folder.parent, "--out", out)
    assert result.exit_code == 0, result.output
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    ExportLine.model_validate(line)  # the line matches its own model
    return line


def test_format_2_draft_verifies_shows_approves_and_exports(task_v2, tmp_path, cli) -> None:
    report = verify_draft(task_v2.draft)
    assert report.summary == {"references": 17, "errors": 0, "warnings": 0}, report.findings
    out = shown(task_v2.folder)
    assert "Resolved: unknown · Source: none" in out
    assert "## Hunks" in out
    assert "✓ [[test:tests/test_calc.py::test_add]]" in out
    assert scan(task_v2.folder)[0].steps == 2
    assert approve(task_v2.folder, "alice").record is not None
    line = exported(task_v2.folder, tmp_path, cli)
    assert line["format"] == "reasondraft-export/2"
    assert line["trace_format"] == 2
    outcome = line["trace"]["outcome"]
    assert (outcome["resolved"], outcome["source"]) == (None, "none")
    [test] = line["trace"]["tests"]
    assert {key: test[key] for key in CONTRACT} == {
        "id": "tests/test_calc.py::test_add", "set": "FAIL_TO_PASS", "visible_to_agent": True,
        "before": "fail", "after": "unknown", "source": "step:2"}
    assert line["trace"]["steps"][0]["basis"] == "observed"
    assert line["trace"]["hunks"][0]["necessity"] == "necessary"
    assert line["extras"] == []


def test_format_1_draft_still_verifies_shows_approves_and_exports(task, tmp_path,
                                                                  cli) -> None:
    assert verify_draft(task.draft).summary == {"references": 11, "errors": 0, "warnings": 0}
    assert "## Solution" in shown(task.folder)
    assert scan(task.folder)[0].steps == 2
    result = cli("approve", task.folder, "--reviewer", "bob")
    assert result.exit_code == 0, result.output
    line = exported(task.folder, tmp_path, cli)
    assert line["trace_format"] == 1
    assert line["trace"]["solution"]
    assert line["trace"]["tests"][0]["fails_before"] is True


def test_a_hand_broken_test_line_is_a_finding_and_is_kept_in_the_export(task_v2, tmp_path,
                                                                        cli) -> None:
    task_v2.write_body(task_v2.body().replace("after: unknown", "after: maybe"))
    report = verify_draft(task_v2.draft)
    [finding] = [f for f in report.findings if f.code == "RD-B001"]
    lines = task_v2.draft.read_text().splitlines()
    assert "after: maybe" in lines[finding.line - 1]
    result = cli("approve", task_v2.folder, "--reviewer", "alice")
    assert result.exit_code == 1
    assert "RD-B001" in result.output
    approve(task_v2.folder, "alice", override="the reviewer checked the test by hand")
    line = exported(task_v2.folder, tmp_path, cli)
    assert line["trace"]["tests"] == []
    [extra] = line["extras"]
    assert extra["reshaped"]
    assert "after: maybe" in extra["text"]


def test_the_schema_describes_the_contract() -> None:
    described = schema()
    defs = described["$defs"]
    line = described["properties"]
    assert set(line["trace_format"]["enum"]) == {1, 2}
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in line["trace"]["anyOf"]} == \
        {"Trace", "TraceV1"}
    outcome = defs["Outcome"]["properties"]
    assert {"resolved", "source", "account", "steps"} <= set(outcome)
    assert set(defs["OutcomeSource"]["enum"]) == {"harness", "trajectory", "none"}
    test = defs["TestClaim"]["properties"]
    assert set(CONTRACT) <= set(test)
    assert all(test[key].get("description") or
                                              "$ref" in test[key] for key in CONTRACT)
    assert set(defs["TestSet"]["enum"]) == {"FAIL_TO_PASS", "PASS_TO_PASS", "other"}
    assert set(defs["TestResult"]["enum"]) == {"pass", "fail", "error", "unknown"}
    assert test["source"]["pattern"] == "^(harness|expected|step:[1-9][0-9]*)$"
