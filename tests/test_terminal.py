"""Untrusted text on a real terminal: escape sequences are shown, never sent; markup is text.

A hostile task (instance id, repo, trajectory, draft body, references, front matter and a
model answer carrying ESC sequences, C1 controls and rich markup) goes through every
command in a new process whose rich console is forced to act as a colour terminal, so
nothing is hidden by rich switching itself off on a pipe. The output may hold rich's own
styling and nothing else that starts with ESC.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from reasondraft.body import render_body
from reasondraft.document import join_document
from reasondraft.termtext import safe, visible
from reasondraft.trace import Phase
from reasondraft.trace_v1 import TraceStepV1, TraceV1

ESC, BEL = "\x1b", "\x07"
TITLE = f"{ESC}]0;pwned{BEL}"  # retitles the window
CLEAR = f"{ESC}[2J"  # clears the screen
CLIPBOARD = f"{ESC}]52;c;ZXZpbA=={BEL}"  # OSC 52: writes the clipboard
LINK = f"{ESC}]8;;http://evil{ESC}\\click{ESC}]8;;{ESC}\\"  # OSC 8: a hidden hyperlink
CSI8 = "\x9b2J"  # the 8-bit (C1) form of CSI
HOSTILE = TITLE + CLEAR + CLIPBOARD + LINK + CSI8
# How the escape sequences must show: written out, readable, harmless.
SHOWN = r"\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]8;;http://evil\x1b\click" \
        r"\x1b]8;;\x1b\\x9b2J"
MARKUP = "[/] [link=http://evil]click[/link]"
ID = "x[/]y" + HOSTILE
RESET_REF = f"pkg/z{ESC}c.py#L1"  # ESC c resets the terminal
MARKUP_REF = "pkg/x[/]y.py#L1"

CALC = f"def add(a, b):  # {TITLE}\n    return a - b\n"  # repositories are untrusted too
# rich's own sequences: SGR styling, and the live display's cursor moves (batch, demo)
OWN = re.compile(r"\x1b\[(?:[0-9;]*[mAK]|\?25[lh])")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: object, cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """A reasondraft command in a new process whose console believes it is a colour
    terminal (FORCE_COLOR), wide enough that no escaped sequence is wrapped."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("REASONDRAFT_") and k not in ("NO_COLOR", "TERM")}
    full_env |= {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1", "TERM": "xterm-256color",
                 "COLUMNS": "400", "LINES": "5000", "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run([sys.executable, "-m", "reasondraft", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", env=full_env,
                          check=False)


def assert_terminal_safe(result: subprocess.CompletedProcess[str], *shown: str) -> str:
    """No ESC but rich's own styling, no C1 control, no BEL; ``shown`` appears escaped.
    Returns the output without styling."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "MarkupError" not in output, output
    assert SGR.search(output), "the console was not forced to a terminal: nothing is tested"
    rest = OWN.sub("", output)
    assert ESC not in rest, [rest[max(i - 20, 0):i + 20] for i in
                             (m.start() for m in re.finditer(ESC, rest))][:3]
    assert not re.search("[\x07\x80-\x9f]", output)
    plain = SGR.sub("", output)
    for text in shown:
        assert text in plain, (text, plain)
    return plain


def trajectory() -> list[dict]:
    call = {"id": "c1", "type": "function", "function": {
        "name": "bash", "arguments": json.dumps({"command": f"cat pkg/calc.py # {HOSTILE}"})}}
    return [{"role": "system", "content": "You work in /repo."},
            {"role": "user", "content": f"add is wrong {HOSTILE}"},
            {"role": "assistant", "content": f"Read it {HOSTILE}", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": f"{CALC}{HOSTILE}\n{MARKUP}"}]


def hostile_trace() -> TraceV1:
    """A format-1 trace (the draft's front matter says format 1): hostile text in prose."""
    return TraceV1(
        summary=f"`add` subtracts [[pkg/calc.py#L1-L2]] [[pkg/calc.py#L9]] {HOSTILE} {MARKUP} "
                f"[[{MARKUP_REF}]] [[{RESET_REF}]].",
        steps=[TraceStepV1(title=f"Read {HOSTILE}", phase=Phase.LOCALIZE,
                         reasoning=f"See [[step:1]] {HOSTILE} {MARKUP}", trajectory_steps=[1])],
        solution="Add [[pkg/calc.py#L2@patched]].", trade_offs=[], edge_cases=[], tests=[])


@pytest.fixture
def hostile(make_repo, tmp_path) -> Path:
    """drafts/t1: task.json, patch.diff, trajectory.json and draft.md, all hostile."""
    repo = make_repo("repo")
    base = repo.commit({"pkg/calc.py": CALC})
    head = repo.commit({"pkg/calc.py": CALC.replace("a - b", "a + b")})
    folder = tmp_path / "drafts" / "t1"
    folder.mkdir(parents=True)
    (folder / "task.json").write_text(json.dumps({
        "instance_id": ID, "repo": f"[link=http://evil]click[/link]{CLEAR}",
        "base_commit": base, "problem_statement": f"add is wrong {HOSTILE}"}))
    (folder / "patch.diff").write_text(repo.diff(base, head))
    (folder / "trajectory.json").write_text(json.dumps(trajectory()))
    front = {"format": 1, "instance_id": ID, "repo": MARKUP, "base_commit": base,
             "repo_path": str(repo.path), "status": "draft",
             "provenance": {"model": f"m{HOSTILE}{MARKUP}", "prompt": "sha256:0123[/]",
                            "created_at": "2026-01-01T00:00:00+00:00"}}
    document = join_document(front, render_body(hostile_trace()))
    (folder / "draft.md").write_text(document)
    (folder / "draft.generated.md").write_text(document)
    return folder


COMMANDS = {  # command line (T: the task folder), exit status, what must be shown escaped
    "task": (["task", "T", "--repo", "T/../../repo"], 0,
             ["x[/]y" + SHOWN, "[link=http://evil]click[/link]\\x1b[2J"]),
    "inspect": (["inspect", "T/trajectory.json", "--steps"], 0, ["# " + SHOWN]),
    "inspect --step": (["inspect", "T/trajectory.json", "--step", "1"], 0,
                       ["Read it " + SHOWN, "cat pkg/calc.py # " + SHOWN,
                        "# \\x1b]0;pwned\\x07\n    return a - b\n" + SHOWN + "\n" + MARKUP]),
    "verify": (["verify", "T"], 1, ["[[pkg/z\\x1bc.py#L1]]", f"[[{MARKUP_REF}]]",
                                    "# \\x1b]0;pwned\\x07"]),
    "show": (["show", "T", "--no-pager"], 0,
             ["x[/]y" + SHOWN, SHOWN + " " + MARKUP, "cat pkg/calc.py # " + SHOWN,
              "[[pkg/z\\x1bc.py#L1]]", "## Step 1: Read " + SHOWN, "# \\x1b]0;pwned\\x07"]),
    "show --no-expand": (["show", "T", "--no-expand", "--no-pager"], 0,
                         ["x[/]y" + SHOWN, SHOWN + " " + MARKUP]),
    "status": (["status", "T/.."], 0, ["x[/]y" + SHOWN]),
    "status --by model": (["status", "T/..", "--by", "model"], 0,
                          ["m" + SHOWN + MARKUP, "sha256:0123[/]"]),
    "error line": (["inspect", "T/missing" + HOSTILE + MARKUP], 2,  # a path: // becomes /
                   ["missing" + (SHOWN + MARKUP).replace("//", "/")]),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_hostile_text_is_shown_escaped_and_never_as_markup(name, hostile, tmp_path) -> None:
    args, status, shown = COMMANDS[name]
    args = [a.replace("T", str(hostile), 1) if a.startswith("T") else a for a in args]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    plain = assert_terminal_safe(result, *shown)
    if name == "error line":
        assert plain.startswith("error: ")
        assert plain.count("\n") == 1


def test_json_output_stays_exact(hostile, tmp_path) -> None:
    """--json is for scripts: the values decode to exactly what the files hold; the C1
    controls json.dumps would leave raw are \\u escapes."""
    result = run("verify", hostile, "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert "\x9b" not in result.stdout
    assert ESC not in result.stdout
    refs = {f["ref"] for f in json.loads(result.stdout)["findings"]}
    assert {RESET_REF, MARKUP_REF} <= refs
    steps = json.loads(run("inspect", hostile / "trajectory.json", "--steps", "--json",
                           cwd=tmp_path).stdout)["step_list"]
    assert steps[0]["action"] == f"cat pkg/calc.py # {HOSTILE}"
    status = json.loads(run("status", hostile.parent, "--json", cwd=tmp_path).stdout)
    assert status[0]["instance_id"] == ID


def test_review_record_and_reviewer_are_shown_escaped(hostile, tmp_path) -> None:
    reviewer = f"eve{TITLE}[link=http://evil]x[/link]"
    approved = run("approve", hostile, "--reviewer", reviewer, "--override", f"why {MARKUP}",
                   cwd=tmp_path)
    assert approved.returncode == 0, approved.stderr
    assert_terminal_safe(approved, r"approved by eve\x1b]0;pwned\x07[link=http://evil]x[/link]",
                         f"errors overridden: why {MARKUP}")
    assert_terminal_safe(run("status", hostile.parent, cwd=tmp_path), r"eve\x1b]0;pwned\x07")
    assert_terminal_safe(run("show", hostile, "--no-pager", cwd=tmp_path),
                         r"approved by eve\x1b]0;pwned\x07[link=http://evil]x[/link]")


def test_config_values_from_a_project_file_are_text(tmp_path) -> None:
    (tmp_path / "reasondraft.toml").write_text(
        'model = "[link=http://evil]click[/link]\\u001b]0;pwned\\u0007"\n')
    result = run("config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_terminal_safe(result, r"[link=http://evil]click[/link]\x1b]0;pwned\x07")


def test_draft_with_markup_in_a_model_reference_reports_instead_of_crashing(
        hostile, tmp_path) -> None:
    """The model wrote ``[[pkg/x[/]y.py#L1]]``: the folder is written and the finding is
    printed as typed (it used to crash after writing, with a MarkupError)."""
    task = json.loads((hostile / "task.json").read_text())
    (hostile / "task.json").write_text(json.dumps(task | {"instance_id": "acme__calc-1"}))
    recording = tmp_path / "rec.json"
    answer = {  # a format-2 answer whose references are hostile text
        "outcome": {"resolved": None, "source": "none"},
        "summary": f"`add` subtracts [[pkg/calc.py#L1-L2]] {HOSTILE} {MARKUP} "
                   f"[[{MARKUP_REF}]] [[{RESET_REF}]].",
        "root_cause": {"where": ["pkg/calc.py::add"], "mechanism": "It subtracts "
                       "[[pkg/calc.py#L2]] [[pkg/calc.py#L9]]."},
        "steps": [{"title": f"Read {HOSTILE}", "phase": "localize", "basis": "inferred",
                   "reasoning": f"See [[pkg/calc.py#L2]] {HOSTILE} {MARKUP}"}],
        "hunks": [{"ref": "pkg/calc.py#L2@patched", "necessity": "necessary",
                   "purpose": "adds instead of subtracting"}]}
    recording.write_text(json.dumps({"recordings": [
        {"match": "acme__calc-1", "answers": [answer]}]}))
    repo = ("--repo", tmp_path / "repo")
    result = run("draft", hostile, *repo, "--model", f"fixture/{recording}", "--max-repairs",
                 "0", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # written, with its errors reported
    assert (tmp_path / "out" / "acme__calc-1" / "draft.md").is_file()
    assert_terminal_safe(result, f"RD-F001  [[{MARKUP_REF}]]", "RD-F001  [[pkg/z\\x1bc.py#L1]]",
                         "verify: 3 error(s)")
    dry = run("draft", hostile, *repo, "--model", "openai/gpt-4o", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert_terminal_safe(dry, "add is wrong " + SHOWN)


def test_batch_summary_shows_reasons_escaped(tmp_path) -> None:
    (tmp_path / "repos").mkdir()
    (tmp_path / "trajectories").mkdir()
    (tmp_path / "trajectories" / "acme__calc-1.json").write_text(json.dumps(trajectory()))
    (tmp_path / "instances.jsonl").write_text(json.dumps({
        "instance_id": "acme__calc-1", "repo": f"acme/{TITLE}[/]", "base_commit": "0" * 40,
        "problem_statement": "x"}) + "\n")
    result = run("batch", "--instances", tmp_path / "instances.jsonl", "--trajectories",
                 tmp_path / "trajectories", "--repos", tmp_path / "repos", "--out",
                 tmp_path / "out", "--model", "fixture/example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_terminal_safe(result, r"no clone of acme/\x1b]0;pwned\x07[/]")


def test_demo_into_a_folder_with_brackets(tmp_path) -> None:
    """Our own messages keep their markup; the paths in them are text. The hints run as
    typed with this interpreter's folder off PATH (they said a bare "reasondraft show")."""
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if p and Path(p).resolve() != Path(sys.executable).parent.resolve())
    result = run("demo", "--out", tmp_path / "x[/]y", cwd=tmp_path, env={"PATH": path})
    assert result.returncode == 0, result.stderr
    plain = assert_terminal_safe(result)
    hints = dict(line.split(": ", 1) for line in plain.splitlines()
                 if line.startswith(("next: ", "then: ")))
    show, approve = shlex.split(hints["next"]), shlex.split(hints["then"])
    assert show[:4] == [sys.executable, "-m", "reasondraft", "show"]
    assert show[4] == str(tmp_path / "x[/]y" / "drafts" / "tinyconf__tinyconf-42" / "draft.md")
    assert approve == [*show[:3], "approve", show[4], "--reviewer", "YOU"]
    shown = subprocess.run([*shlex.split(hints["next"]), "--no-pager"], cwd=tmp_path,
                           env={**os.environ, "PATH": path}, capture_output=True, text=True,
                           check=False)
    assert shown.returncode == 0, shown.stderr


def test_safe_keeps_layout_and_styles_and_escapes_every_control() -> None:
    console = Console(width=200, force_terminal=True, color_system="standard")
    text = safe("a\tb\r\nc\rd\x00\x7f\x85" + HOSTILE, "bold")
    assert text.plain == "a\tb\nc\\x0dd\\x00\\x7f\\x85" + SHOWN
    with console.capture() as captured:
        console.print(text)
    out = captured.get()
    assert out.startswith("\x1b[1m")
    assert "\x1b[1;2m\\x1b" in out  # bold; escapes dim too
    assert safe("a\nb\tc", one_line=True).plain == "a\\x0ab\\x09c"


def test_bidirectional_controls_are_shown_not_obeyed() -> None:
    # "Trojan Source": U+202E reverses what follows on screen without being seen.
    assert visible("ok\u202e})\u2066x\u2069") == "ok\\u202e})\\u2066x\\u2069"
    assert safe("a\u200fb", one_line=True).plain == "a\\u200fb"
    assert visible("é ü 中文") == "é ü 中文"  # ordinary non-ASCII text stays as it is
