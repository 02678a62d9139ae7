"""Damaged and hostile trajectories: a wrong type anywhere, JSON nested too deep, and a
document that claims a format and breaks it — one line naming the file and the key path.

Each wrong-type case is a place where a reader used to crash (AttributeError, TypeError,
KeyError, OverflowError, pydantic's ValidationError) on a mutated real trajectory, reduced
to a small document of our own.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reasondraft.errors import InputError
from reasondraft.files import MAX_NESTING, parse_json
from reasondraft.trajectory import load_trajectory, summarize, to_atif

SWE_AGENT: dict[str, Any] = {
    "environment": "swe_main",
    "trajectory": [{"action": "ls\n", "observation": "a.py", "thought": "Look.",
                    "state": {"open_file": "/testbed/a.py", "working_dir": "/testbed"}}],
    "history": [{"role": "system", "content": "You are a programmer."},
                {"role": "assistant", "content": "Look.", "action": "ls\n", "tool_calls": [
                    {"id": "c1", "function": {"name": "bash",
                                              "arguments": "{\"command\": \"ls\"}"}}]}],
    "info": {"submission": "diff --git a/a.py b/a.py\n",
             "model_stats": {"instance_cost": 0.1, "tokens_sent": 10, "api_calls": 1}},
    "replay_config": {"agent": {"model": {"name": "acme/model"}},
                      "problem_statement": {"id": "acme__widgets-7"},
                      "env": {"repo": {"base_commit": "1" * 40}}},
}
MINI: dict[str, Any] = {
    "trajectory_format": "mini-swe-agent-1.1", "instance_id": "acme__widgets-7",
    "info": {"model_stats": {"instance_cost": 0.1, "api_calls": 1},
             "config": {"model": {"model_name": "acme/model"},
                        "environment": {"cwd": "/testbed"}}},
    "messages": [
        {"role": "system", "content": "Run shell commands."},
        {"role": "assistant", "content": "List files.",
         "tool_calls": [{"id": "c1", "function": {"name": "bash",
                                                  "arguments": "{\"command\": \"ls\"}"}}],
         "extra": {"response": {"usage": {"prompt_tokens": 5}}, "timestamp": 1700000000}},
        {"role": "tool", "tool_call_id": "c1", "extra": {"returncode": 0},
         "content": "<returncode>0</returncode>\n<output>\na.py\n</output>"},
        {"role": "exit", "content": "diff --git a/a.py b/a.py\n"}],
}
OPENHANDS: dict[str, Any] = {
    "instance_id": "acme__widgets-7",
    "history": [
        {"id": 0, "source": "user", "action": "message",
         "args": {"content": "<uploaded_files>\n/testbed\n</uploaded_files>"}},
        {"id": 1, "source": "agent", "action": "run", "timestamp": "2025-01-01T00:00:00",
         "args": {"command": "ls", "thought": "List."},
         "tool_call_metadata": {"function_name": "execute_bash",
                                "model_response": {"id": "r1", "model": "acme/model"}},
         "llm_metrics": {"accumulated_cost": 0.1,
                         "accumulated_token_usage": {"prompt_tokens": 5}}},
        {"id": 2, "source": "agent", "observation": "run", "cause": 1, "content": "a.py",
         "extras": {"metadata": {"exit_code": 0, "working_dir": "/testbed"}}}],
    "test_result": {"git_patch": "diff --git a/a.py b/a.py\n"},
}
CHAT: dict[str, Any] = {
    "model": "acme/model",
    "messages": [
        {"role": "user", "content": "Fix size()."},
        {"role": "assistant", "content": "List files.", "tool_calls": [
            {"id": "c1", "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "a.py"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "t1", "name": "bash", "input": {"command": "ls"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                      "content": [{"type": "text", "text": "a.py"}]}]}],
}
ATIF: dict[str, Any] = {
    "schema_version": "ATIF-v1.4", "session_id": "s1",
    "agent": {"name": "acme-agent", "version": "1", "model_name": "acme/model"},
    "steps": [{"step_id": 1, "source": "agent", "message": "List files.",
               "tool_calls": [{"tool_call_id": "c1", "function_name": "bash",
                               "arguments": {"command": "ls"}}],
               "observation": {"results": [{"source_call_id": "c1", "content": "a.py"}]},
               "extra": {"kind": "view", "paths": ["a.py"]}}],
    "final_metrics": {"total_cost_usd": 0.1},
    "extra": {"instance_id": "acme__widgets-7"},
}
DOCS = {"swe-agent": SWE_AGENT, "mini-swe-agent": MINI, "openhands": OPENHANDS,
        "chat": CHAT, "atif": ATIF}


def changed(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with the node at ``path`` (``a.b[2].c``) set to ``value``."""
    doc = copy.deepcopy(doc)
    keys: list[str | int] = [int(k) if k.isdigit() else k
                             for k in re.findall(r"[^.\[\]]+", path)]
    node: Any = doc
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return doc


def refusal(tmp_path: Path, doc: Any) -> str:
    """The one-line error reading ``doc`` from a file gives, without the file's name."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        load_trajectory(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: "), message
    return message[len(f"{path}: "):]


@pytest.mark.parametrize(("name", "doc"), DOCS.items())
def test_the_documents_read(tmp_path: Path, name: str, doc: dict[str, Any]) -> None:
    """The cases below start from documents that read: only the one change breaks them."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    traj = load_trajectory(path)
    assert traj.format == name
    assert traj.steps
    assert traj.model == "acme/model"
    json.dumps(summarize(traj, with_steps=True))
    json.dumps(to_atif(traj))


@pytest.mark.parametrize(("name", "path", "value", "expected"), [
    # mini-swe-agent: the two cases the issue names, then each other crash site
    ("mini-swe-agent", "info.config.environment", "x", "expected an object, got a string"),
    ("mini-swe-agent", "messages[2].tool_call_id", [], "expected a string, got a list"),
    ("mini-swe-agent", "messages[1].tool_calls[0].id", [], "expected a string, got a list"),
    ("mini-swe-agent", "messages[1].tool_calls", 3, "expected a list, got a number"),
    ("mini-swe-agent", "messages[1].tool_calls[0]", [], "expected an object, got a list"),
    ("mini-swe-agent", "messages[1].tool_calls[0].function", [],
     "expected an object, got a list"),
    ("mini-swe-agent", "messages[1].extra", "x", "expected an object, got a string"),
    ("mini-swe-agent", "messages[2].extra", [], "expected an object, got a list"),
    ("mini-swe-agent", "messages[1].extra.response", 1.5, "expected an object, got a number"),
    ("mini-swe-agent", "messages[1].extra.response.usage", True,
     "expected an object, got a boolean"),
    ("mini-swe-agent", "messages[1].extra.timestamp", 10**30,
     "1000000000000000000000000000000 is not a Unix time in range"),
    ("mini-swe-agent", "info.model_stats", "x", "expected an object, got a string"),
    ("mini-swe-agent", "info.model_stats.api_calls", [1], "expected an integer, got a list"),
    ("mini-swe-agent", "info.config.model.model_name", 7, "expected a string, got a number"),
    ("mini-swe-agent", "instance_id", {}, "expected a string, got an object"),
    ("mini-swe-agent", "messages[3]", "exit", "expected an object, got a string"),
    # SWE-agent
    ("swe-agent", "info.model_stats.instance_cost", "0.1", "expected a number, got a string"),
    ("swe-agent", "replay_config.agent.model.name", {}, "expected a string, got an object"),
    ("swe-agent", "replay_config.env.repo.base_commit", 1, "expected a string, got a number"),
    ("swe-agent", "history[1].tool_calls", True, "expected a list, got a boolean"),
    ("swe-agent", "history[1].tool_calls", {}, "expected a list, got an object"),
    ("swe-agent", "history[1].tool_calls[0].function", [], "expected an object, got a list"),
    ("swe-agent", "history[1].tool_calls[0].function.arguments", [1],
     "expected an object or a JSON string, got a list"),
    ("swe-agent", "history[1].agent", ["x"], "expected a string, got a list"),
    ("swe-agent", "trajectory[0].state", 5, "expected an object, got a number"),
    ("swe-agent", "trajectory[0].state", "[1]", "expected a JSON object, got a list"),
    ("swe-agent", "trajectory[0].observation", {}, "expected a string, got an object"),
    # OpenHands
    ("openhands", "history[1].tool_call_metadata", 1.5, "expected an object, got a number"),
    ("openhands", "history[1].tool_call_metadata.model_response", [],
     "expected an object, got a list"),
    ("openhands", "history[1].llm_metrics", [], "expected an object, got a list"),
    ("openhands", "history[1].llm_metrics.accumulated_token_usage", "x",
     "expected an object, got a string"),
    ("openhands", "history[1].id", [], "expected an event id (a number or a string), got a list"),
    ("openhands", "history[2].cause", {}, "expected an event id (a number or a string), "
                                          "got an object"),
    ("openhands", "history[1].timestamp", [], "expected a time (text or Unix seconds), "
                                              "got a list"),
    ("openhands", "history[1].action", None, "expected an action name, got null"),
    ("openhands", "history[2]", 7, "expected an event or an [action, observation] pair, "
                                   "got a number"),
    # chat
    ("chat", "messages[1].tool_calls[0]", "x", "expected an object, got a string"),
    ("chat", "messages[1].tool_calls[0].function", [], "expected an object, got a list"),
    ("chat", "messages[1].tool_calls[0].id", ["c1"], "expected a string, got a list"),
    ("chat", "messages[2].tool_call_id", [], "expected a string, got a list"),
    ("chat", "messages[4].content[0].tool_use_id", {}, "expected a string, got an object"),
    ("chat", "messages[3].content[0].input", "ls", "expected an object, got a string"),
    ("chat", "messages[4].content", 5, "expected a string or a list of blocks, got a number"),
    ("chat", "model", [], "expected a string, got a list"),
    # ATIF
    ("atif", "steps[0].observation", "x", "expected an object, got a string"),
    ("atif", "extra.instance_id", 5, "expected a string, got a number"),
    ("atif", "agent.model_name", [], "expected a string, got a list"),
    ("atif", "final_metrics.total_cost_usd", "x", "expected a number, got a string"),
    ("atif", "steps[0].extra.paths[0]", 1, "expected a string, got a number"),
])
def test_a_wrong_type_is_refused_by_its_key_path(tmp_path: Path, name: str, path: str,
                                                  value: Any, expected: str) -> None:
    assert refusal(tmp_path, changed(DOCS[name], path, value)) == f"{path}: {expected}"


def test_an_event_file_is_named_in_the_error(tmp_path: Path) -> None:
    events = tmp_path / "session" / "events"
    events.mkdir(parents=True)
    for number, event in enumerate(OPENHANDS["history"]):
        (events / f"{number}.json").write_text(json.dumps(event))
    (events / "1.json").write_text(json.dumps({**OPENHANDS["history"][1], "args": "ls"}))
    with pytest.raises(InputError) as info:
        load_trajectory(tmp_path / "session")
    assert str(info.value) == f"{events / '1.json'}: args: expected an object, got a string"


def test_unreadable_arguments_text_is_kept_as_it_is(tmp_path: Path) -> None:
    """Broken argument text is what the agent ran with: kept, not refused (also when it
    nests too deeply to parse)."""
    for raw in ("{\"command\": ", "[" * 5000 + "]" * 5000):
        doc = changed(CHAT, "messages[1].tool_calls[0].function.arguments", raw)
        path = tmp_path / "run.json"
        path.write_text(json.dumps(doc))
        assert load_trajectory(path).steps[0].action.arguments == {"raw": raw}


# -- JSON nested too deep ----------------------------------------------------------------

def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_bound() -> None:
    assert parse_json(deep(MAX_NESTING), "x") == json.loads(deep(MAX_NESTING))
    for depth in (MAX_NESTING + 1, 5000, 100_000):
        with pytest.raises(InputError, match=r"^x: JSON nested too deeply \(more than 100"):
            parse_json(deep(depth), "x")
    with pytest.raises(InputError, match="nested too deeply"):
        parse_json('{"a": ' * 100_000 + "1" + "}" * 100_000, "x")


@pytest.mark.parametrize("layout", ["one line", "document", "state string", "jsonl row",
                                    "event file"])
def test_deep_json_anywhere_is_one_line(tmp_path: Path, layout: str) -> None:
    """100,000 levels, where a trajectory can hold JSON: the whole file on one line or
    several, a JSON-encoded SWE-agent state, an output.jsonl row, an OpenHands event."""
    nested = deep(100_000)
    path = tmp_path / "run.traj"
    if layout == "one line":
        path.write_text(json.dumps(SWE_AGENT).replace('"swe_main"', nested))
        expected = f"{path}: JSON nested too deeply"
    elif layout == "document":
        path.write_text(json.dumps(SWE_AGENT, indent=1).replace('"swe_main"', nested))
        expected = f"{path}: JSON nested too deeply"
    elif layout == "state string":
        path.write_text(json.dumps(changed(SWE_AGENT, "trajectory[0].state", nested)))
        expected = f"{path}: trajectory[0].state: JSON nested too deeply"
    elif layout == "jsonl row":
        path = tmp_path / "output.jsonl"
        rows = [json.dumps({**OPENHANDS, "instance_id": f"acme__widgets-{n}", "x": "@@"})
                for n in (1, 2)]
        path.write_text("\n".join([rows[0], rows[1].replace('"@@"', nested)]))
        assert load_trajectory(path, "acme__widgets-1").steps  # the other row still reads
        expected = f"{path}:2: JSON nested too deeply"
    else:
        path = tmp_path / "session"
        (path / "events").mkdir(parents=True)
        for number, event in enumerate(OPENHANDS["history"]):
            (path / "events" / f"{number}.json").write_text(json.dumps(event))
        (path / "events" / "2.json").write_text(nested)
        expected = f"{path / 'events' / '2.json'}: JSON nested too deeply"
    with pytest.raises(InputError) as info:
        load_trajectory(path, "acme__widgets-2" if layout == "jsonl row" else None)
    assert str(info.value).startswith(expected), str(info.value)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env={**os.environ, "COLUMNS": "200"})


def test_commands_refuse_deep_json_in_one_line(make_repo, tmp_path: Path) -> None:
    """``inspect``, ``task``, ``verify`` and ``status --verify`` on a task folder whose
    trajectory nests 100,000 levels: exit 2, one line naming the file, no traceback
    (``status`` shows it as the folder's problem, as it does any broken input)."""
    repo = make_repo()
    base = repo.commit({"a.py": "x = 1\n"})
    head = repo.commit({"a.py": "x = 2\n"})
    folder = tmp_path / "tasks" / "acme__widgets-7"
    folder.mkdir(parents=True)
    (folder / "task.json").write_text(json.dumps(
        {"instance_id": "acme__widgets-7", "repo": "acme/widgets", "base_commit": base}))
    (folder / "patch.diff").write_text(repo.diff(base, head))
    (folder / "draft.md").write_text(
        f"---\ninstance_id: acme__widgets-7\nrepo_path: {repo.path}\n---\n"
        "# Summary\n\nThe value changes in [[a.py#L1]].\n")
    trajectory = folder / "trajectory.json"
    trajectory.write_text(json.dumps(SWE_AGENT).replace('"swe_main"', deep(100_000)))
    expected = f"{trajectory}: JSON nested too deeply (more than {MAX_NESTING} levels)"
    for args in (["inspect", str(trajectory)], ["task", str(folder), "--repo", str(repo.path)],
                 ["verify", str(folder), "--repo", str(repo.path)]):
        result = run(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.strip() == f"error: {expected}", (args, result.stderr)
    result = run("status", str(folder.parent), "--verify", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert [row["problem"] for row in json.loads(result.stdout)] == [expected]


# -- a document that claims a format and breaks it ---------------------------------------

@pytest.mark.parametrize(("doc", "expected"), [
    ({**SWE_AGENT, "trajectory": {"0": {"action": "ls"}}},
     "looks like SWE-agent (it has 'trajectory' and 'history' keys) but 'trajectory' is an "
     "object, not a list"),
    ({**SWE_AGENT, "trajectory": [{"observation": "a.py"}]},
     "looks like SWE-agent (it has 'trajectory' and 'history' keys) but 'trajectory[0]' is "
     "not an entry with an 'action'"),
    ({**MINI, "messages": "none"},
     "looks like mini-swe-agent (it has 'trajectory_format') but 'messages' is a string, not "
     "a list"),
    ({**ATIF, "steps": {}},
     "looks like ATIF (it has 'schema_version') but 'steps' is an object, not a list"),
    ({**OPENHANDS, "history": "none"},
     "looks like OpenHands (it has 'history' and 'instance_id' keys) but 'history' is a "
     "string, not a list of events"),
    ({**CHAT, "messages": [{"role": "user", "content": "no answer"}]},
     "looks like chat (it has a 'messages' key) but no assistant message"),
])
def test_a_broken_format_claim_is_refused_as_that_format(tmp_path: Path, doc: Any,
                                                         expected: str) -> None:
    assert refusal(tmp_path, doc) == expected


def test_swe_agent_without_a_trajectory_list_is_not_read_as_openhands(tmp_path: Path) -> None:
    """Issue 12 item 15: ``history`` is a list here, which OpenHands' reader used to
    accept, so ``inspect`` reported an OpenHands output row and exited 0."""
    path = tmp_path / "run.traj"
    path.write_text(json.dumps({**SWE_AGENT, "trajectory": "lost"}))
    result = run("inspect", str(path))
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().endswith(
        f"{path}: looks like SWE-agent (it has 'trajectory' and 'history' keys) but "
        "'trajectory' is a string, not a list"), result.stderr
    # without the 'trajectory' key nothing claims it, and a SWE-agent history is no event list
    assert refusal(tmp_path, {k: v for k, v in SWE_AGENT.items() if k != "trajectory"}) \
        .startswith("no trajectory format matched (")
