"""Drafting end to end through litellm -> instructor -> pydantic, offline: the fixture
provider and a local OpenAI-compatible server; real git repos; real files."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from model_server import LocalServer, Reply
from reasondraft.document import read_draft
from reasondraft.draft.demo import example_task, run_demo
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.draft.llm import RetryPolicy, Usage
from reasondraft.draft.run import draft_from_cli, status_line
from reasondraft.errors import InputError, ModelError
from reasondraft.review.record import current_inputs
from reasondraft.task import load_task
from reasondraft.verify import verify_draft

FAST = RetryPolicy(attempts=2, initial=0.01, max_wait=0.02)
SOURCE = "def area(w, h):\n    return w * w\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"


def trace(line_ref: str, **changes: object) -> dict:
    """A minimal valid format-2 answer whose one quote cites ``line_ref``."""
    answer = {
        "outcome": {"resolved": None, "source": "none", "steps": [], "account": ""},
        "summary": "area() squares the width [[geo.py#L2]]; the fix uses the height "
                   "[[geo.py#L2@patched]].",
        "root_cause": {"where": ["geo.py::area"],
                       "mechanism": "It multiplies the width by itself [[geo.py#L2]]."},
        "steps": [{"title": "Find the formula", "phase": "localize", "basis": "inferred",
                   "trajectory_steps": [], "reasoning": "The bug is in [[geo.py::area]].",
                   "quotes": [{"ref": line_ref, "code": "return w * w"}], "hypotheses": [],
                   "decision": None}],
        "agent_path": [],
        "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary",
                   "purpose": "multiply by the height", "tests": ["test_geo.py::test_area"]}],
        "trade_offs": ["one multiplication, as before [[geo.py#L2@patched]]"],
        "edge_cases": ["zero height [[geo.py#L2@patched]]"],
        "tests": [{"id": "test_geo.py::test_area", "set": "FAIL_TO_PASS",
                   "visible_to_agent": True, "before": "fail", "after": "pass",
                   "source": "expected", "why": "it checks a non-square"}],
    }
    return answer | changes


@pytest.fixture
def task_folder(make_repo, tmp_path):
    repo = make_repo()
    base = repo.commit({"geo.py": SOURCE, "test_geo.py": "def test_area():\n    pass\n"})
    head = repo.commit({"geo.py": SOURCE.replace("w * w", "w * h")})
    folder = tmp_path / "task"
    folder.mkdir()
    (folder / "task.json").write_text(json.dumps({
        "instance_id": "acme__geo-1", "repo": "acme/geo", "base_commit": base,
        "problem_statement": "area(2, 3) returns 4", "FAIL_TO_PASS": ["test_geo.py::test_area"],
    }))
    (folder / "patch.diff").write_text(repo.diff(base, head))
    return folder, repo.path


def recording(tmp_path: Path, *answers) -> str:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps({"recordings": [{"match": "acme__geo-1", "answers": answers}]}))
    return f"fixture/{path}"


def test_repair_loop_wrong_lines_then_right(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L5"), trace("geo.py#L2"))
    task = load_task(folder, repo=repo)
    result = draft_task(task, DraftRequest(model=model, retry=FAST), tmp_path / "out")
    assert result.repairs == 1
    assert not result.findings
    draft = read_draft(tmp_path / "out" / "acme__geo-1" / "draft.md")
    assert draft.front["provenance"]["repairs"] == 1
    assert draft.front["format"] == 2
    assert draft.front["provenance"]["unresolved"] == {"errors": 0, "warnings": 0,
                                                       "findings": []}
    assert "```quote geo.py#L2\nreturn w * w\n```" in draft.body
    report = verify_draft(draft.path)
    assert report.summary["errors"] == 0
    generated = tmp_path / "out" / "acme__geo-1" / "draft.generated.md"
    assert generated.read_text() == draft.path.read_text()
    assert (tmp_path / "out" / "acme__geo-1" / "patch.diff").read_text() == \
        (folder / "patch.diff").read_text()


def test_answer_that_never_verifies_is_kept_with_its_findings(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L5"), trace("geo.py#L5"))
    result = draft_task(load_task(folder, repo=repo),
                        DraftRequest(model=model, max_repairs=1, retry=FAST), tmp_path / "out")
    assert [f.code for f in result.findings if f.severity == "error"] == ["RD-Q001"]
    front = read_draft(result.folder / "draft.md").front
    assert front["provenance"]["unresolved"]["errors"] == 1
    [left] = front["provenance"]["unresolved"]["findings"]
    assert left["code"] == "RD-Q001"
    assert left["ref"] == "geo.py#L5"
    assert left["message"]


def test_draft_and_verify_report_a_finding_alike(task_folder, tmp_path) -> None:
    """draft said line 1 (of the body), verify line 44 (of draft.md), in another format:
    both give the draft.md line, rendered the same way."""
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L5"), trace("geo.py#L5"))
    drafted = run_cli("draft", str(folder), "--repo", str(repo), "--model", model,
                      "--max-repairs", "1", "--out", str(tmp_path / "out"),
                      "--log", str(tmp_path / "log.jsonl"), cwd=tmp_path)
    assert drafted.returncode == 1, drafted.stderr
    draft = tmp_path / "out" / "acme__geo-1" / "draft.md"
    [finding] = [f for f in verify_draft(draft).findings if f.code == "RD-Q001"]
    assert draft.read_text().splitlines()[finding.line - 1] == "```quote geo.py#L5"
    verified = run_cli("verify", str(draft), cwd=tmp_path)
    assert f" {finding.line}:10 error   RD-Q001" in verified.stdout  # column of the reference
    assert f"{finding.line:>7} error   RD-Q001" in drafted.stdout
    assert finding.message in drafted.stdout


def test_failed_run_writes_nothing(task_folder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    folder, repo = task_folder
    with LocalServer([Reply(status=500)]) as server:
        request = DraftRequest(model="openai/test", api_base=server.url, retry=FAST)
        with pytest.raises(ModelError, match="gave up after 2 attempts"):
            draft_task(load_task(folder, repo=repo), request, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_local_http_server_draft(task_folder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    folder, repo = task_folder
    replies = [Reply(status=429, headers={"retry-after": "0"}), Reply(answer=trace("geo.py#L2"))]
    with LocalServer(replies) as server:
        request = DraftRequest(model="openai/gpt-4o-mini", api_base=server.url, retry=FAST,
                               log=tmp_path / "calls.jsonl")
        result = draft_task(load_task(folder, repo=repo), request, tmp_path / "out")
    assert result.usage.cost
    assert result.usage.cost > 0
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 2
    assert "sk-test" not in (tmp_path / "calls.jsonl").read_text()


def test_existing_draft_is_not_overwritten_without_force(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L2"))
    task = load_task(folder, repo=repo)
    out = tmp_path / "out"
    draft_task(task, DraftRequest(model=model, retry=FAST), out)
    draft = out / "acme__geo-1" / "draft.md"
    draft.write_text(draft.read_text() + "\nA human note.\n")
    edited = draft.read_text()
    with pytest.raises(InputError, match="draft exists; pass --force"):
        draft_task(task, DraftRequest(model=model, retry=FAST), out)
    assert draft.read_text() == edited
    result = draft_task(task, DraftRequest(model=model, retry=FAST), out, force=True)
    [backup] = list(out.glob(".acme__geo-1.bak-*"))  # the old folder, whole
    assert result.backup == backup
    assert (backup / "draft.md").read_text() == edited
    assert not (out / "acme__geo-1" / "draft.md").read_text().endswith("A human note.\n")


def test_demo_drafts_the_example_with_one_repair(tmp_path) -> None:
    task, result = run_demo(tmp_path)
    assert task.trajectory is not None
    assert len(task.trajectory.steps) >= 12
    assert result.repairs == 1
    report = verify_draft(result.folder / "draft.md")
    assert report.summary["errors"] == 0
    assert report.summary["warnings"] == 0
    assert report.summary["references"] > 40
    assert (result.folder / "trajectory.traj").read_bytes() == \
        Path(task.trajectory.source).read_bytes()
    inputs = current_inputs(read_draft(result.folder))  # what approve binds, from disk
    provenance = read_draft(result.folder).front["provenance"]["inputs"]
    assert (inputs.task, inputs.patch, inputs.trajectory) == (
        provenance["instance"], provenance["patch"], provenance["trajectory"])


def test_example_task_loads_with_its_trajectory_submission(tmp_path) -> None:
    task = example_task(tmp_path)
    assert task.patch_source == "folder"
    assert task.trajectory.submission.strip() == task.patch.text.strip()


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    full_env.pop("OPENAI_API_KEY", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, cwd=cwd, env=full_env, check=False)


def test_cli_dry_run_needs_no_key_and_writes_nothing(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    result = run_cli("draft", str(folder), "--repo", str(repo), "--model", "openai/gpt-4o",
                     "--dry-run", "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["messages"][0]["role"] == "system"
    assert "    2       -     return w * w" in shown["messages"][1]["content"]
    assert shown["packing"]["tokens"] <= shown["packing"]["budget"]
    assert "steps" in shown["schema"]["properties"]
    assert not (tmp_path / "out").exists()


def test_cli_without_model_says_how_to_set_one(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    result = run_cli("draft", str(folder), "--repo", str(repo), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "REASONDRAFT_MODEL" in result.stderr


def test_cli_record_then_replay(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    with LocalServer([Reply(answer=trace("geo.py#L2"))]) as server:
        result = run_cli("draft", str(folder), "--repo", str(repo), "--model",
                         "openai/local", "--api-base", server.url, "--out",
                         str(tmp_path / "a"), "--record", str(tmp_path / "rec.json"),
                         "--log", str(tmp_path / "log.jsonl"), cwd=tmp_path,
                         env={"OPENAI_API_KEY": "sk-test"})
    assert result.returncode == 0, result.stderr
    replay = run_cli("draft", str(folder), "--repo", str(repo), "--model",
                     f"fixture/{tmp_path / 'rec.json'}", "--out", str(tmp_path / "b"),
                     "--log", str(tmp_path / "log.jsonl"), cwd=tmp_path)
    assert replay.returncode == 0, replay.stderr
    assert result.stderr == replay.stderr == ""  # no spinner when stderr is not a terminal
    assert read_draft(tmp_path / "a/acme__geo-1/draft.md").body == \
        read_draft(tmp_path / "b/acme__geo-1/draft.md").body


def test_cli_without_an_api_key_fails_at_once_saying_what_to_set(task_folder,
                                                                 tmp_path) -> None:
    folder, repo = task_folder
    with LocalServer([Reply(answer=trace("geo.py#L2"))]) as server:
        result = run_cli("draft", str(folder), "--repo", str(repo), "--model", "openai/x",
                         "--api-base", server.url, "--out", str(tmp_path / "out"),
                         "--log", str(tmp_path / "calls.jsonl"), cwd=tmp_path)
        assert server.requests == []
    assert result.returncode == 1
    assert result.stderr == (f"error: openai/x at {server.url}: no API key: set "
                             "OPENAI_API_KEY; any value works for a local server\n")
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 1  # not retried
    assert not (tmp_path / "out").exists()


def test_bad_input_is_reported_before_the_model_stack_is_imported(task_folder,
                                                                  tmp_path) -> None:
    """litellm and instructor take seconds to import: draft and batch check settings, paths
    and the task (the plan) first."""
    folder, _ = task_folder
    commands = [
        ["draft", str(folder), "--repo", str(tmp_path / "no-repo"), "--model", "openai/x",
         "--out", str(tmp_path / "out")],
        ["batch", "--instances", str(tmp_path / "none.jsonl"), "--trajectories",
         str(tmp_path), "--repos", str(tmp_path), "--model", "openai/x", "--out",
         str(tmp_path / "out")],
    ]
    for args in commands:
        result = run_cli(*args, cwd=tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"})
        lines = result.stderr.splitlines()
        imported = {line.rsplit("|", 1)[-1].strip() for line in lines
                    if line.startswith("import time:")}
        [error] = [line for line in lines if not line.startswith("import time:")]
        assert result.returncode == 2, result.stderr
        assert error.startswith("error: ")
        assert "reasondraft.task" in imported  # the import profile is on
        assert not imported & {"litellm", "instructor", "openai"}, error
    assert not (tmp_path / "out").exists()


def test_status_line_says_what_is_under_way() -> None:
    used = Usage(calls=1, prompt_tokens=1200, completion_tokens=300)
    assert status_line(215.4, used, 1, max_repairs=2) == \
        "3:35 · repair 1 of 2: waiting for the answer · 1,500 tokens"
    assert status_line(215.4, used, None, max_repairs=2) == \
        "3:35 · checking the answer · 1,500 tokens"
    assert status_line(5, Usage(), 0, max_repairs=2) == \
        "0:05 · waiting for the first answer · 0 tokens"
    assert status_line(0, Usage(), None, max_repairs=2) == "0:00 · packing the context · 0 tokens"


def test_a_spinner_shows_while_the_model_works_on_a_terminal_only(task_folder,
                                                                  tmp_path) -> None:
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L5"), trace("geo.py#L2"))  # one repair
    shown = {}
    for terminal in (True, False):
        status = Console(file=io.StringIO(), force_terminal=terminal, width=500)
        draft_from_cli(folder, {"model": model, "out": tmp_path / f"out-{terminal}",
                                "log": tmp_path / "calls.jsonl"},
                       instance=None, instance_id=None, trajectory=None, patch=None,
                       repo=repo, repos=None, record=None, force=False, dry_run=False,
                       as_json=True, console=Console(file=io.StringIO()), status=status)
        shown[terminal] = Text.from_ansi(status.file.getvalue()).plain
    # the last frame, drawn as the spinner stops (then erased): after the repair's answer
    assert re.search(rf"acme__geo-1 · {re.escape(model)} · \d+:\d\d · checking the answer · "
                     r"\d+,\d{3} tokens", shown[True])
    assert shown[False] == ""


def test_the_drafter_is_the_drafts_author(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    model = recording(tmp_path, trace("geo.py#L2"), trace("geo.py#L2"))
    draft_task(load_task(folder, repo=repo), DraftRequest(model=model, retry=FAST),
               tmp_path / "lib")
    assert "author" not in read_draft(tmp_path / "lib" / "acme__geo-1" / "draft.md").front
    for out, flags, author in (("env", [], "erin"), ("flag", ["--author", "frank"], "frank")):
        result = run_cli("draft", str(folder), "--repo", str(repo), "--model", model, "--out",
                         str(tmp_path / out), "--log", str(tmp_path / "log.jsonl"), *flags,
                         cwd=tmp_path, env={"REASONDRAFT_USER": "erin"})
        assert result.returncode == 0, result.stderr
        front = read_draft(tmp_path / out / "acme__geo-1" / "draft.md").front
        assert front["author"] == author


def test_prompt_text_is_never_rendered_as_a_template(task_folder, tmp_path,
                                                     monkeypatch) -> None:
    """Issues and agent output are untrusted: Jinja syntax in them reaches the model as is."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    folder, repo = task_folder
    task = load_task(folder, repo=repo)
    task.instance.problem_statement = "Template {{ 7 * 7 }} and {% for x in y %} stay."
    with LocalServer([Reply(answer=trace("geo.py#L5")), Reply(answer=trace("geo.py#L2"))]) \
            as server:
        draft_task(task, DraftRequest(model="openai/test", api_base=server.url, retry=FAST),
                   tmp_path / "out")
    prompt = server.requests[0]["messages"][1]["content"]
    assert "Template {{ 7 * 7 }} and {% for x in y %} stay." in prompt
    assert "{% for x in y %}" in json.dumps(server.requests[1]["messages"])  # the re-ask too


# -- secrets: redacted from what the model sees, never the values on screen or disk ------

FAKE_OPENAI = "sk-" + "proj-" + "aB3dE5fG7hJ9kL2mN4pQ6rS8tU1vW0xYz" * 2
FAKE_AWS = "AK" + "IA" + "Z7Q2X9R4W8T3Y6U1"
FAKE_PEM = ("-----BEGIN " + "OPENSSH PRIVATE KEY-----\n" + "b3BlbnNzaC1rZXktdjEAAAAA" * 2
            + "\n-----END OPENSSH PRIVATE KEY-----")
SECRETS = {"problem": {"password": 1},
           "trajectory": {"aws-access-key": 1, "openai-key": 1, "private-key": 1}}


@pytest.fixture
def secret_task(task_folder):
    """The geo task with a password in its problem statement and keys in its trajectory
    (a mini-swe-agent run that printed a .env file and a private key)."""
    folder, repo = task_folder
    task = json.loads((folder / "task.json").read_text())
    task["problem_statement"] += '\nconnect with DB_PASSWORD="Tr0ub4dor3"'
    (folder / "task.json").write_text(json.dumps(task))
    output = f"OPENAI_API_KEY={FAKE_OPENAI}\nAWS_ACCESS_KEY_ID={FAKE_AWS}\n{FAKE_PEM}"
    messages = [
        {"role": "system", "content": "You can run shell commands."},
        {"role": "user", "content": "Fix area()."},
        {"role": "assistant", "content": "THOUGHT: look around.\n\n```bash\ncat .env id\n```"},
        {"role": "user", "content": f"<returncode>0</returncode>\n<output>\n{output}\n</output>"},
        {"role": "assistant", "content": "THOUGHT: done.\n\n```bash\necho done\n```"},
        {"role": "user", "content": "<returncode>0</returncode>\n<output>\ndone\n</output>"},
    ]
    (folder / "trajectory.traj.json").write_text(json.dumps({
        "trajectory_format": "mini-swe-agent-1", "instance_id": "acme__geo-1",
        "info": {"exit_status": "Submitted"}, "messages": messages}))
    return folder, repo


def assert_no_secret(text: str) -> None:
    for secret in ("Tr0ub4dor3", FAKE_OPENAI[:20], FAKE_AWS, "b3BlbnNzaC1rZXkt"):
        assert secret not in text


def test_secrets_never_reach_the_model_or_the_log_and_provenance_counts_them(
        secret_task, tmp_path) -> None:
    folder, repo = secret_task
    model = recording(tmp_path, trace("geo.py#L2"))
    log = tmp_path / "calls.jsonl"
    result = draft_task(load_task(folder, repo=repo),
                        DraftRequest(model=model, retry=FAST, log=log), tmp_path / "out")
    assert_no_secret(log.read_text())  # the messages as sent
    assert "[REDACTED:private-key]" in log.read_text()
    front = read_draft(result.folder / "draft.md").front
    assert front["provenance"]["redactions"] == {
        "aws-access-key": 1, "openai-key": 1, "password": 1, "private-key": 1}
    # the evidence stays as it was
    copied = result.folder / "trajectory.json"
    assert copied.read_bytes() == (folder / "trajectory.traj.json").read_bytes()
    assert FAKE_AWS in copied.read_text()


def test_cli_dry_run_shows_what_was_redacted_but_no_secret(secret_task, tmp_path) -> None:
    folder, repo = secret_task
    args = ["draft", str(folder), "--repo", str(repo), "--model", "openai/gpt-4o", "--dry-run"]
    shown = run_cli(*args, "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["redactions"] == SECRETS
    assert_no_secret(shown.stdout)
    text = run_cli(*args, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert ("redacted: problem: 1 password; trajectory: 1 aws-access-key, 1 openai-key, "
            "1 private-key") in text.stdout
    assert "[REDACTED:openai-key]" in text.stdout
    assert_no_secret(text.stdout)


def test_a_401_that_echoes_the_key_shows_it_nowhere(task_folder, tmp_path) -> None:
    """The key is masked whatever its format: a local server's key has no known prefix."""
    folder, repo = task_folder
    key = "local-" + "s3cr3t" * 5
    log = tmp_path / "calls.jsonl"
    with LocalServer([Reply(status=401, echo_authorization=True)]) as server:
        result = run_cli("draft", str(folder), "--repo", str(repo), "--model", "openai/x",
                         "--api-base", server.url, "--log", str(log),
                         "--out", str(tmp_path / "out"), cwd=tmp_path,
                         env={"OPENAI_API_KEY": key})
        assert len(server.requests) == 1
    assert result.returncode == 1
    assert "Authorization: Bearer [REDACTED:env-api-key]" in result.stderr  # echoed, masked
    assert result.stderr.count("\n") == 1
    for where in (result.stdout, result.stderr, log.read_text()):
        assert "s3cr3t" not in where
    assert log.stat().st_mode & 0o777 == 0o600


# -- settings from a project file in the current directory -------------------------------

def test_api_base_and_log_from_a_project_file_are_announced_at_every_run(
        task_folder, tmp_path) -> None:
    folder, repo = task_folder
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.reasondraft]\napi_base = "http://elsewhere.invalid/v1"\nlog = "calls.jsonl"\n')
    where = f"{project / 'pyproject.toml'} [tool.reasondraft]"
    draft = run_cli("draft", str(folder), "--repo", str(repo), "--model", "openai/x",
                    "--dry-run", cwd=project)
    assert draft.returncode == 0, draft.stderr
    assert draft.stderr.splitlines() == [
        f"note: api_base = 'http://elsewhere.invalid/v1' is set by {where}: requests, with "
        "the API key, go there",
        f"note: log = 'calls.jsonl' is set by {where}: prompts and answers are appended there"]
    batch = run_cli("batch", "--instances", "none.jsonl", "--trajectories", ".", "--repos", ".",
                    "--model", "openai/x", cwd=project)
    assert batch.returncode == 2
    assert batch.stderr.splitlines()[:2] == draft.stderr.splitlines()


def test_a_project_file_log_outside_its_folder_stops_before_any_model_call(
        task_folder, tmp_path) -> None:
    folder, repo = task_folder
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "stolen.jsonl"
    with LocalServer([Reply(answer=trace("geo.py#L2"))]) as server:
        (project / "reasondraft.toml").write_text(
            f'api_base = "{server.url}"\nlog = "{outside}"\nmodel = "openai/x"\n')
        result = run_cli("draft", str(folder), "--repo", str(repo), "--out", str(tmp_path / "o"),
                         cwd=project, env={"OPENAI_API_KEY": "sk-test"})
        assert server.requests == []
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"error: {project / 'reasondraft.toml'}: setting 'log' = '{outside}' is outside the "
        "project folder")
    assert not outside.exists()
    assert not (tmp_path / "o").exists()
