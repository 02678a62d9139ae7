"""Evaluation results: what the SWE-bench harness says about the diff a task explains.

Annotators explain model-generated diffs, and many do not resolve their task; the outcome
is an input, never assumed. Two shapes are read, as the harness writes them:

- a per-instance ``report.json``: ``{instance_id: {patch_is_None, patch_exists,
  patch_successfully_applied, resolved, tests_status: {FAIL_TO_PASS: {success: [...],
  failure: [...]}, PASS_TO_PASS: ..., FAIL_TO_FAIL: ..., PASS_TO_FAIL: ...}}}`` (a file may
  hold many instances). In every set ``success`` lists tests that pass after the diff and
  ``failure`` tests that fail (or did not run). An entry with an ``error`` (some harnesses
  write ``resolved: false`` when the run itself broke) counts as unknown;
- the run summary (``<model>.<run_id>.json``): ``resolved_ids``, ``unresolved_ids``,
  ``error_ids``, ``empty_patch_ids``, ``completed_ids``, ...: the outcome per id, no tests.

A folder is searched for ``<instance_id>/report.json`` at any depth, which covers the
harness's ``logs/run_evaluation/<run>/<model>/<instance_id>/report.json``.

Which patch a report evaluated: the harness writes it as ``patch.diff`` beside each
per-instance report.json. When a one-instance report has that file beside it, it must
match the diff the task explains (line endings and trailing whitespace aside), else the
report is refused naming both. An empty evaluated patch is caught in both shapes
(``patch_exists: false``, ``empty_patch_ids``). Not detectable: a run summary records no
patch, and a report.json copied away from its patch.diff (or a file of many instances)
carries none, so those are taken at their word.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reasondraft.errors import InputError
from reasondraft.files import read_json, read_text

if TYPE_CHECKING:
    from reasondraft.diff import Patch

TestSet = Literal["FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL"]
TEST_SETS: tuple[TestSet, ...] = ("FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL",
                                  "PASS_TO_FAIL")
REPORT_FILE = "report.json"
HARNESS_PATCH_FILE = "patch.diff"  # what the harness writes beside each report.json
OUTCOME_IDS = ("resolved_ids", "unresolved_ids", "error_ids", "empty_patch_ids")
SUMMARY_IDS = (*OUTCOME_IDS, "completed_ids", "incomplete_ids", "submitted_ids")
FLAGS = ("patch_is_None", "patch_exists", "patch_successfully_applied", "resolved")


@dataclass(frozen=True)
class Evaluation:
    """The harness's verdict on one instance's diff. ``resolved`` None: the report does not
    say (``reason`` tells why). ``tests`` is empty when the report lists none (a summary)."""

    instance_id: str
    resolved: bool | None
    patch_applied: bool | None
    tests: dict[str, dict[str, list[str]]]
    source: str
    kind: Literal["instance", "summary"]
    patch_exists: bool | None = None
    reason: str = ""
    entry: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def after(self, test_id: str) -> Literal["pass", "fail"] | None:
        """The test's outcome after the diff per the harness; None if the report is silent."""
        for results in self.tests.values():
            if test_id in results.get("success", ()):
                return "pass"
            if test_id in results.get("failure", ()):
                return "fail"
        return None

    def failing(self) -> list[str]:
        """FAIL_TO_PASS and PASS_TO_PASS tests the harness saw fail after the diff."""
        found = [t for name in ("FAIL_TO_PASS", "PASS_TO_PASS")
                 for t in self.tests.get(name, {}).get("failure", [])]
        return list(dict.fromkeys(found))

    def to_json(self) -> dict[str, Any]:
        """The per-instance report.json shape: the entry as the harness wrote it, or (from a
        summary) the same keys with what the summary says (tests_status left out)."""
        entry = dict(self.entry) if self.entry else {
            "patch_is_None": None,
            "patch_exists": self.patch_exists,
            "patch_successfully_applied": self.patch_applied,
            "resolved": self.resolved,
            **({"tests_status": self.tests} if self.tests else {}),
            **({"error": self.reason} if self.reason else {}),
        }
        return {self.instance_id: entry}

    def summary(self) -> dict[str, Any]:
        """What ``task --json`` prints about the outcome."""
        return {"resolved": self.resolved, "patch_applied": self.patch_applied,
                "failing": self.failing(), "tests_reported": bool(self.tests),
                "reason": self.reason or None, "kind": self.kind, "source": self.source}


def describe(evaluation: Evaluation | None) -> str:
    """The outcome in one line: resolved / unresolved / unknown, failing tests, source."""
    if evaluation is None:
        return "unknown: no evaluation report"
    where = f"harness {'run summary' if evaluation.kind == 'summary' else 'report'} " \
            f"{evaluation.source}"
    if evaluation.resolved is None:
        return f"unknown: {evaluation.reason or 'the report does not say'} ({where})"
    if evaluation.resolved:
        return f"resolved ({where})"
    failing = evaluation.failing()
    if evaluation.patch_applied is False:
        detail = "; the patch did not apply"
    elif failing:
        shown = ", ".join(failing[:5]) + (f", ... {len(failing) - 5} more"
                                          if len(failing) > 5 else "")
        detail = f"; {len(failing)} failing after the patch: {shown}"
    else:
        detail = "; the report lists no failing tests"
    return f"unresolved ({where}){detail}"


def same_diff(a: str, b: str) -> bool:
    """True if two diffs are the same text but for line endings and trailing whitespace."""
    def lines(text: str) -> list[str]:
        kept = [line.rstrip() for line in text.splitlines()]
        while kept and not kept[-1]:
            kept.pop()
        return kept
    return lines(a) == lines(b)


class EvalReports:
    """The evaluation reports at one path (a report file or a folder of them), each file
    read once however many instances are asked for (a batch, a verify run)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise InputError("evaluation report not found", where=str(path))
        self.path = path
        self._parsed: dict[Path, Any] = {}
        self._index: dict[str, list[Path]] | None = None
        if path.is_file():  # unreadable or not JSON: bad input before any task starts
            self._data(path)

    def load(self, instance_id: str, *, patch: Patch | None = None) -> Evaluation:
        """The evaluation of ``instance_id``; given the diff the task explains, a report
        that evaluated another patch is refused (see the module docstring)."""
        files = self._files_for(instance_id) if self.path.is_dir() else [self.path]
        if len(files) > 1 and patch is not None:
            files = [f for f in files if not self._differs(f, patch)] or files[:1]
        if len(files) > 1:
            names = ", ".join(str(f) for f in files[:3])
            raise InputError(f"{len(files)} reports for '{instance_id}' ({names}): pass the "
                             "one that evaluated this diff with --eval-report FILE",
                             where=str(self.path))
        evaluation = self._evaluation(files[0], instance_id)
        if patch is not None:
            check_patch(evaluation, patch, self._harness_patch(files[0]))
        return evaluation

    def _data(self, path: Path) -> Any:
        if path not in self._parsed:
            self._parsed[path] = read_json(path)
        return self._parsed[path]

    def _harness_patch(self, report: Path) -> Path | None:
        """The patch.diff the harness wrote beside a one-instance report, if it is there."""
        beside = report.parent / HARNESS_PATCH_FILE
        if not beside.is_file():
            return None
        data = self._data(report)
        return beside if isinstance(data, dict) and len(data) == 1 else None

    def _differs(self, report: Path, patch: Patch) -> bool:
        beside = self._harness_patch(report)
        return beside is not None and not same_diff(read_text(beside, kind="diff"), patch.text)

    def _files_for(self, instance_id: str) -> list[Path]:
        direct = self.path / instance_id / REPORT_FILE
        if direct.is_file():
            return [direct]
        if self._index is None:
            self._index = {}
            for found in sorted(self.path.rglob(REPORT_FILE)):
                self._index.setdefault(found.parent.name, []).append(found)
        if instance_id in self._index:
            return self._index[instance_id]
        if (self.path / REPORT_FILE).is_file():  # a task folder or one instance's log folder
            return [self.path / REPORT_FILE]
        near = difflib.get_close_matches(instance_id, list(self._index), n=3, cutoff=0.5)
        raise InputError(f"no report for '{instance_id}' (looked for {instance_id}/"
                         f"{REPORT_FILE} at any depth)"
                         + (f"; nearest: {', '.join(near)}" if near else ""),
                         where=str(self.path))

    def _evaluation(self, path: Path, instance_id: str) -> Evaluation:
        data = self._data(path)
        where = str(path)
        if not isinstance(data, dict):
            raise InputError(f"expected a SWE-bench report (a JSON object), got "
                             f"{type(data).__name__}", where=where)
        if any(key in data for key in SUMMARY_IDS):
            return _from_summary(data, instance_id, where)
        if instance_id not in data:
            near = difflib.get_close_matches(instance_id, [str(k) for k in data], n=3,
                                             cutoff=0.5)
            raise InputError(f"no instance '{instance_id}' in this report (it holds "
                             f"{len(data)}: {', '.join(list(map(str, data))[:3])})"
                             + (f"; nearest: {', '.join(near)}" if near else ""), where=where)
        return _from_entry(data[instance_id], instance_id, where)


def load_evaluation(path: Path, instance_id: str, *, patch: Patch | None = None) -> Evaluation:
    """The evaluation of one instance from a report file or folder (see EvalReports)."""
    return EvalReports(path).load(instance_id, patch=patch)


def check_patch(evaluation: Evaluation, patch: Patch, harness_patch: Path | None) -> None:
    """Refuse a report that evaluated another patch than ``patch``, when that can be told:
    an empty evaluated patch, or the harness's ``patch.diff`` (when known) differing."""
    if evaluation.patch_exists is False and patch.text.strip():
        raise InputError(f"the report evaluated an empty patch, not the diff the task "
                         f"explains ({patch.source})", where=evaluation.source)
    if harness_patch is not None and not same_diff(read_text(harness_patch, kind="diff"),
                                                   patch.text):
        raise InputError(f"the report evaluated another patch: {harness_patch} differs from "
                         f"the diff the task explains ({patch.source})",
                         where=evaluation.source)


def _flag(entry: dict[str, Any], key: str, instance_id: str, where: str) -> bool | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, bool):
        raise InputError(f"key '{instance_id}.{key}': expected true, false or null, got "
                         f"{type(value).__name__}", where=where)
    return value


def _test_lists(value: Any, instance_id: str, where: str) -> dict[str, dict[str, list[str]]]:
    if value is None:
        return {}
    key = f"{instance_id}.tests_status"
    if not isinstance(value, dict):
        raise InputError(f"key '{key}': expected an object of test sets, got "
                         f"{type(value).__name__}", where=where)
    tests: dict[str, dict[str, list[str]]] = {}
    for name, results in value.items():
        if not isinstance(results, dict):
            raise InputError(f"key '{key}.{name}': expected {{success: [...], failure: "
                             f"[...]}}, got {type(results).__name__}", where=where)
        tests[name] = {}
        for outcome in ("success", "failure"):
            ids = results.get(outcome, [])
            if not isinstance(ids, list) or not all(isinstance(t, str) for t in ids):
                raise InputError(f"key '{key}.{name}.{outcome}': expected a list of test ids",
                                 where=where)
            tests[name][outcome] = list(ids)
    return tests


def _from_entry(entry: Any, instance_id: str, where: str) -> Evaluation:
    """One instance of a per-instance report."""
    if not isinstance(entry, dict):
        raise InputError(f"key '{instance_id}': expected an object, got "
                         f"{type(entry).__name__}", where=where)
    if "resolved" not in entry:
        raise InputError(f"key '{instance_id}.resolved' is missing", where=where)
    flags = {key: _flag(entry, key, instance_id, where) for key in FLAGS}
    error = entry.get("error")
    reason = f"the harness run failed: {' '.join(str(error).split())[:200]}" if error else ""
    exists = flags["patch_exists"]
    if flags["patch_is_None"]:
        exists = False
    return Evaluation(instance_id=instance_id, resolved=None if reason else flags["resolved"],
                      patch_applied=flags["patch_successfully_applied"],
                      tests=_test_lists(entry.get("tests_status"), instance_id, where),
                      source=where, kind="instance", patch_exists=exists, reason=reason,
                      entry=entry)


def _from_summary(data: dict[str, Any], instance_id: str, where: str) -> Evaluation:
    """One instance of a run summary: its outcome list says resolved or not, no tests."""
    lists: dict[str, set[str]] = {}
    for key in SUMMARY_IDS:
        if key in data:
            ids = data[key]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise InputError(f"key '{key}': expected a list of instance ids", where=where)
            lists[key] = set(ids)
    found = [key for key in OUTCOME_IDS if instance_id in lists.get(key, ())]
    if len(found) > 1:
        raise InputError(f"'{instance_id}' is in both {found[0]} and {found[1]}", where=where)
    if not found:
        listed = [key for key in SUMMARY_IDS if instance_id in lists.get(key, ())]
        known = sorted(set().union(*lists.values())) if lists else []
        near = difflib.get_close_matches(instance_id, known, n=3, cutoff=0.5)
        raise InputError(f"no outcome for '{instance_id}' in this run summary"
                         + (f" (only in {', '.join(listed)})" if listed else "")
                         + (f"; nearest: {', '.join(near)}" if near and not listed else ""),
                         where=where)
    outcome = found[0]
    return Evaluation(
        instance_id=instance_id,
        resolved={"resolved_ids": True, "unresolved_ids": False, "error_ids": None,
                  "empty_patch_ids": False}[outcome],
        patch_applied=True if outcome == "resolved_ids" else None,
        tests={}, source=where, kind="summary",
        patch_exists=False if outcome == "empty_patch_ids" else None,
        reason="the harness could not evaluate it (listed in error_ids)"
        if outcome == "error_ids" else "")
