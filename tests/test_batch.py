"""Batch drafting over a local OpenAI-compatible server and real git repos in tmp dirs."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from model_server import LocalServer, Reply
from reasondraft.batch.plan import in_shard, plan_batch
from reasondraft.batch.run import batch_from_cli
from reasondraft.errors import InputError
from reasondraft.review.status import scan
from reasondraft.task import find_repo

SOURCE = "def area(w, h):\n    return w * w\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"


def trace(line: int) -> dict:
    """A format-2 answer citing line ``line`` of geo.py (2 is right, 9 is past the end)."""
    return {
        "outcome": {"resolved": None, "source": "none", "steps": [], "account": ""},
        "summary": f"area() squares the width [[geo.py#L{line}]].",
        "root_cause": {"where": [f"geo.py#L{line}"], "mechanism": "It multiplies w by w."},
        "steps": [{"title": "Find the formula", "phase": "localize", "basis": "observed",
                   "trajectory_steps": [1],
                   "reasoning": f"The bug is in [[geo.py::area]], seen at [[step:1]] "
                                f"([[geo.py#L{line}]]).",
                   "quotes": [], "hypotheses": [], "decision": None}],
        "agent_path": [],
        "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary",
                   "purpose": "multiply by h", "tests": []}],
        "trade_offs": [], "edge_cases": [], "tests": [],
    }


def answer_for(bad_ids: set[str]):
    """A server reply per request: a wrong line for the ids in ``bad_ids``."""
    def reply(body: dict) -> Reply:
        prompt = json.dumps(body["messages"][:2])
        bad = any(i in prompt for i in bad_ids)
        return Reply(answer=trace(9 if bad else 2), delay=0.05)
    return reply


def traj(diff: str) -> str:
    return json.dumps({
        "environment": "swe_main", "history": [],
        "trajectory": [{"action": "open geo.py", "observation": "1:def area(w, h):",
                        "response": "", "thought": "Look at area.",
                        "state": json.dumps({"open_file": "/testbed/geo.py",
                                             "working_dir": "/testbed"})},
                       {"action": "submit", "observation": diff, "response": "",
                        "thought": "Done.", "state": "{}"}],
        "info": {"exit_status": "submitted", "submission": diff}})


@pytest.fixture
def workspace(make_repo, tmp_path):
    """repos/acme__geo, trajectories/<id>.traj.json and instances.jsonl for ``ids``."""
    (tmp_path / "repos").mkdir()
    repo = make_repo("repos/acme__geo")
    base = repo.commit({"geo.py": SOURCE})
    head = repo.commit({"geo.py": SOURCE.replace("w * w", "w * h")})
    diff = repo.diff(base, head)
    (tmp_path / "trajectories").mkdir()

    def make(ids: list[str], repo_of=lambda _id: "acme/geo") -> Path:
        rows = []
        for instance_id in ids:
            rows.append({"instance_id": instance_id, "repo": repo_of(instance_id),
                         "base_commit": base, "problem_statement": f"{instance_id}: area"})
            (tmp_path / "trajectories" / f"{instance_id}.traj.json").write_text(traj(diff))
        path = tmp_path / "instances.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        return path

    return tmp_path, make


def run_batch(tmp: Path, instances: Path, server: LocalServer, **options):
    """Run a batch in-process; its console is not a terminal (as in a log or CI)."""
    console = Console(file=io.StringIO(), width=200)
    flags = {"model": "openai/gpt-4o-mini", "api_base": server.url, "out": tmp / "out",
             "log": tmp / "calls.jsonl", "max_input_tokens": None, "max_repairs": 1}
    defaults = {"jobs": 3, "max_cost": None, "shard": None, "only": None,
                "retry_failed": False, "patch": None, "repos": tmp / "repos"}
    batch = batch_from_cli(flags, instances=instances, trajectories=tmp / "trajectories",
                           console=console, **(defaults | options))
    return batch, console.file.getvalue()


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def test_broken_inputs_are_reported_precisely_and_the_rest_finishes(workspace) -> None:
    tmp, make = workspace
    ids = ["acme__geo-1", "acme__geo-2", "acme__geo-broken", "acme__geo-norepo",
           "acme__geo-unverifiable"]
    instances = make(ids, repo_of=lambda i: "acme/missing" if i.endswith("norepo")
                     else "acme/geo")
    (tmp / "trajectories" / "acme__geo-broken.traj.json").write_text('{"trajectory": [')
    with LocalServer(answer_for({"acme__geo-unverifiable"})) as server:
        _, shown = run_batch(tmp, instances, server)
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    by_id = {t["instance_id"]: t for t in report["tasks"]}
    assert by_id["acme__geo-1"]["status"] == by_id["acme__geo-2"]["status"] == "done"
    assert by_id["acme__geo-1"]["errors"] == 0
    assert by_id["acme__geo-1"]["cost_usd"] > 0
    broken = by_id["acme__geo-broken"]
    assert broken["status"] == "failed"
    assert "acme__geo-broken.traj.json" in broken["reason"]
    assert "JSON" in broken["reason"]
    missing = by_id["acme__geo-norepo"]
    assert missing["status"] == "skipped"
    assert "no clone of acme/missing" in missing["reason"]
    unverifiable = by_id["acme__geo-unverifiable"]
    assert unverifiable["status"] == "done"
    assert unverifiable["errors"] >= 1
    assert unverifiable["repairs"] == 1
    assert "verify error(s) remain after 1 repair(s)" in unverifiable["reason"]
    assert report["totals"]["done"] == 3
    assert report["totals"]["failed"] == 1
    assert (tmp / "out" / "acme__geo-1" / "draft.md").exists()
    assert not (tmp / "out" / "acme__geo-broken").exists()
    assert "batch summary" in shown


def test_rerun_skips_finished_and_failed_unless_retry(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1", "acme__geo-2"])
    with LocalServer(answer_for(set())) as server:
        run_batch(tmp, instances, server)
        draft = tmp / "out" / "acme__geo-1" / "draft.md"
        draft.write_text(draft.read_text() + "\nA reviewer's edit.\n")
        requests_before = len(server.requests)
        batch, _ = run_batch(tmp, instances, server)
        assert len(server.requests) == requests_before
    assert draft.read_text().endswith("A reviewer's edit.\n")
    assert {r.reason for r in batch.records.values()} == {"draft exists (never overwritten)"}
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    assert [t["status"] for t in report["tasks"]] == ["done", "done"]


def test_shards_cover_the_batch_without_overlap(workspace) -> None:
    tmp, make = workspace
    ids = [f"acme__geo-{n}" for n in range(40)]
    instances = make(ids)
    shards = [{p.instance_id for p in plan_batch(instances, tmp / "trajectories",
                                                 tmp / "repos", shard=(k, 3))}
              for k in (1, 2, 3)]
    assert set().union(*shards) == set(ids)
    assert sum(len(s) for s in shards) == len(ids)
    assert all(len(s) >= 5 for s in shards)
    assert in_shard("acme__geo-7", (1, 1))


def test_max_cost_stops_starting_tasks(workspace) -> None:
    tmp, make = workspace
    instances = make([f"acme__geo-{n}" for n in range(8)])
    with LocalServer(answer_for(set())) as server:
        batch, _ = run_batch(tmp, instances, server, jobs=1, max_cost=0.001)
    done = [r for r in batch.records.values() if r.status == "done"]
    skipped = [r for r in batch.records.values() if r.status == "skipped"]
    per_task = done[0].cost_usd
    assert len(done) == int(0.001 // per_task)
    assert sum(r.cost_usd for r in done) <= 0.001
    assert skipped
    assert all(r.reason.startswith("budget: $") for r in skipped)


def test_rate_limit_on_one_task_does_not_fail_the_batch(workspace) -> None:
    tmp, make = workspace
    instances = make([f"acme__geo-{n}" for n in range(4)])
    first = [True]

    def reply(body: dict) -> Reply:
        if first[0]:
            first[0] = False
            return Reply(status=429, headers={"retry-after": "0.1"})
        return answer_for(set())(body)

    with LocalServer(reply) as server:
        batch, _ = run_batch(tmp, instances, server, jobs=4)
    assert all(r.status == "done" for r in batch.records.values())


def test_killed_batch_rerun_writes_every_draft_exactly_once(workspace) -> None:
    tmp, make = workspace
    ids = [f"acme__geo-{n}" for n in range(12)]
    instances = make(ids)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    env["OPENAI_API_KEY"] = "sk-test"

    def slow(body: dict) -> Reply:
        reply = answer_for(set())(body)
        reply.delay = 0.5
        return reply

    with LocalServer(slow) as server:
        args = [sys.executable, "-m", "reasondraft", "batch", "--instances", str(instances),
                "--trajectories", str(tmp / "trajectories"), "--repos", str(tmp / "repos"),
                "--out", str(tmp / "out"), "--model", "openai/gpt-4o-mini", "--api-base",
                server.url, "-j", "2", "--log", str(tmp / "calls.jsonl")]
        first = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(list((tmp / "out").glob("*/draft.md"))) < 2:
            assert first.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        survivors = {p.parent.name: p.read_bytes() for p in (tmp / "out").glob("*/draft.md")}
        assert 2 <= len(survivors) < len(ids)
        second = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        assert second.returncode == 0, second.stderr
    drafts = {p.parent.name: p.read_bytes() for p in (tmp / "out").glob("*/draft.md")}
    assert set(drafts) == set(ids)
    assert all(drafts[i] == body for i, body in survivors.items())  # not redone
    assert not list((tmp / "out").glob(".*.tmp-*"))
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    assert [t["status"] for t in report["tasks"]] == ["done"] * len(ids)


@pytest.mark.parametrize("case", ["no instances file", "empty instances", "repos not a folder",
                                  "trajectories not a folder"])
def test_bad_batch_inputs_are_one_line_exit_2(workspace, case) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    args = {"--instances": str(instances), "--trajectories": str(tmp / "trajectories"),
            "--repos": str(tmp / "repos")}
    if case == "no instances file":
        args["--instances"] = str(tmp / "none.jsonl")
    elif case == "empty instances":
        instances.write_text("\n")
    elif case == "repos not a folder":
        args["--repos"] = str(tmp / "nothing")
    else:
        args["--trajectories"] = str(instances)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    result = subprocess.run([sys.executable, "-m", "reasondraft", "batch", "--model",
                             "fixture/example", "--out", str(tmp / "out"),
                             *[x for pair in args.items() for x in pair]],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp / "out").exists()


def test_state_saved_from_many_threads_keeps_every_record(tmp_path) -> None:
    """The runner saves the state off the event loop; the last file written has them all."""
    from concurrent.futures import ThreadPoolExecutor

    from reasondraft.batch.state import BatchState, TaskRecord

    state = BatchState()
    records = [TaskRecord(instance_id=f"t-{n}", status="done") for n in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda record: state.record(tmp_path, record), records))
    assert set(BatchState.load(tmp_path).tasks) == {r.instance_id for r in records}


def test_a_server_echoing_the_key_leaves_it_in_no_report_state_or_log(workspace,
                                                                      monkeypatch) -> None:
    tmp, make = workspace
    monkeypatch.setenv("OPENAI_API_KEY", "local-" + "s3cr3t" * 5)
    with LocalServer([Reply(status=401, echo_authorization=True)]) as server:
        _, shown = run_batch(tmp, make(["acme__geo-1"]), server)
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    assert "Bearer [REDACTED:env-api-key]" in report["tasks"][0]["reason"]
    files = ["out/batch-report.json", "out/batch-state.json", "calls.jsonl"]
    for text in [shown] + [(tmp / name).read_text() for name in files]:
        assert "s3cr3t" not in text


def test_an_id_that_is_not_a_folder_name_is_skipped_and_nothing_escapes(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    row = json.loads(instances.read_text().splitlines()[0])
    with instances.open("a") as handle:
        for bad in ("../escape", "/tmp/abs-escape", "a/b"):
            handle.write(json.dumps(row | {"instance_id": bad}) + "\n")
    with LocalServer(answer_for(set())) as server:
        batch, _ = run_batch(tmp, instances, server)
    records = batch.records
    assert records["acme__geo-1"].status == "done"
    for bad in ("../escape", "/tmp/abs-escape", "a/b"):
        assert records[bad].status == "skipped"
        assert "cannot name a folder" in records[bad].reason
    assert len(server.requests) == 1
    assert not (tmp / "escape").exists()
    assert not Path("/tmp/abs-escape").exists()
    assert sorted(p.name for p in (tmp / "out").iterdir()) == [
        "acme__geo-1", "batch-report.json", "batch-state.json"]


def cli_batch(tmp: Path, instances: Path, *args: str) -> list[str]:
    """The argv of ``reasondraft batch`` over the workspace, run as the user runs it."""
    return [sys.executable, "-m", "reasondraft", "batch", "--instances", str(instances),
            "--trajectories", str(tmp / "trajectories"), "--repos", str(tmp / "repos"),
            "--out", str(tmp / "out"), *args]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    env["OPENAI_API_KEY"] = "sk-test"
    return env


def test_an_unknown_only_id_is_bad_input_naming_the_nearest(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1", "acme__geo-2", "acme__other-7"])
    result = subprocess.run(cli_batch(tmp, instances, "--model", "fixture/example",
                                      "--only", "acme__geo-1,acme__geo-12"),
                            capture_output=True, text=True, env=clean_env(), check=False)
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "--only acme__geo-12: no such instance id" in line
    assert "acme__geo-1" in line.split("; nearest: ")[1].split(", ")
    assert str(instances) in line
    assert not (tmp / "out").exists()


def test_several_trajectories_for_one_id_are_refused_naming_each(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1", "acme__geo-2"])
    session = tmp / "trajectories" / "acme__geo-1"  # a folder named after the id, too
    session.mkdir()
    (session / "acme__geo-1.traj").write_text(
        (tmp / "trajectories" / "acme__geo-1.traj.json").read_text())
    (session / "acme__geo-1.debug.log").write_text("not a trajectory\n")
    with LocalServer(answer_for(set())) as server:
        batch, shown = run_batch(tmp, instances, server)
        assert len(server.requests) == 1  # only acme__geo-2 was drafted
    record = batch.records["acme__geo-1"]
    assert record.status == "skipped"
    assert "several trajectories for acme__geo-1" in record.reason
    assert str(session / "acme__geo-1.traj") in record.reason
    assert str(tmp / "trajectories" / "acme__geo-1.traj.json") in record.reason
    assert "debug.log" not in record.reason  # an agent's log beside it is no trajectory
    assert "several trajectories for acme__geo-1" in shown
    assert not (tmp / "out" / "acme__geo-1").exists()


def test_a_trajectory_without_submission_falls_back_to_gold_and_says_so(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    path = tmp / "trajectories" / "acme__geo-1.traj.json"
    diff = json.loads(path.read_text())["info"]["submission"]
    path.write_text(traj(""))  # the agent submitted nothing
    row = json.loads(instances.read_text()) | {"patch": diff}
    instances.write_text(json.dumps(row) + "\n")
    with LocalServer(answer_for(set())) as server:
        _, shown = run_batch(tmp, instances, server)
    [task] = json.loads((tmp / "out" / "batch-report.json").read_text())["tasks"]
    assert task["status"] == "done"
    assert task["patch_source"] == "gold"
    assert "has no submission" in task["note"]
    assert "(gold)" in task["note"]
    assert "has no submission" in " ".join(shown.split())


def test_each_run_of_an_instance_drafts_into_its_own_folder(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    original = tmp / "trajectories" / "acme__geo-1.traj.json"
    for run in ("swe-agent", "openhands"):
        (tmp / "trajectories" / run).mkdir()
        (tmp / "trajectories" / run / original.name).write_bytes(original.read_bytes())
    original.unlink()
    with LocalServer(answer_for(set())) as server:
        batch, shown = run_batch(tmp, instances, server)
    assert set(batch.records) == {"acme__geo-1__openhands", "acme__geo-1__swe-agent"}
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    assert [(t["instance_id"], t["run"], t["status"]) for t in report["tasks"]] == [
        ("acme__geo-1", "openhands", "done"), ("acme__geo-1", "swe-agent", "done")]
    for run in ("swe-agent", "openhands"):
        draft = (tmp / "out" / f"acme__geo-1__{run}" / "draft.md").read_text()
        assert f"\nrun: {run}\n" in draft.split("\n---\n")[0]
        assert f"acme__geo-1__{run}" in shown
    rows = [row.to_json() for row in scan(tmp / "out")]
    assert sorted((r["folder"], r["run"]) for r in rows) == [
        ("acme__geo-1__openhands", "openhands"), ("acme__geo-1__swe-agent", "swe-agent")]
    with LocalServer(answer_for(set())) as server:  # --only takes a run's folder name
        only, _ = run_batch(tmp, instances, server, only="acme__geo-1__swe-agent")
    assert set(only.records) == {"acme__geo-1__swe-agent"}


def test_repos_as_a_pattern_finds_mirror_layouts(workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    (tmp / "mirrors" / "acme+geo").mkdir(parents=True)
    (tmp / "repos" / "acme__geo").rename(tmp / "mirrors" / "acme+geo" / "repo")
    pattern = tmp / "mirrors" / "{owner}+{name}" / "repo"
    with LocalServer(answer_for(set())) as server:
        batch, _ = run_batch(tmp, instances, server, repos=pattern)
    assert batch.records["acme__geo-1"].status == "done"


def test_progress_is_one_plain_line_per_task_off_a_terminal_and_agrees_on_resume(
        workspace) -> None:
    tmp, make = workspace
    instances = make(["acme__geo-1", "acme__geo-2"])
    with LocalServer(answer_for(set())) as server:
        _, first = run_batch(tmp, instances, server)
        _, again = run_batch(tmp, instances, server)
    lines = [line for line in first.splitlines() if line.startswith("[")]
    assert [line.split(" ")[:2] for line in lines] == [["[1/2]", "done"], ["[2/2]", "done"]]
    assert {line.split(" ")[2] for line in lines} == {"acme__geo-1", "acme__geo-2"}
    assert "done 2 failed 0 skipped 0" in lines[-1]
    assert "batch finished: 2 done, 0 failed, 0 skipped" in first
    resumed = [line for line in again.splitlines() if line.startswith("[")]
    assert "done 2 (2 earlier) failed 0 skipped 0" in resumed[-1]
    assert "batch finished: 2 done, 0 failed, 0 skipped" in again


@pytest.mark.parametrize(("sent", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_batch_says_what_is_left_and_how_to_continue(workspace, sent,
                                                               status) -> None:
    tmp, make = workspace
    ids = [f"acme__geo-{n}" for n in range(10)]
    instances = make(ids)

    def slow(body: dict) -> Reply:
        reply = answer_for(set())(body)
        reply.delay = 0.5
        return reply

    with LocalServer(slow) as server:
        batch = subprocess.Popen(
            cli_batch(tmp, instances, "--model", "openai/gpt-4o-mini", "--api-base",
                      server.url, "-j", "1"),
            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not list((tmp / "out").glob("*/draft.md")):
            assert batch.poll() is None, batch.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        batch.send_signal(sent)
        out, err = batch.communicate(timeout=60)
    assert batch.returncode == status, err
    assert "Traceback" not in err
    report = json.loads((tmp / "out" / "batch-report.json").read_text())
    done = report["totals"]["done"]
    left = report["totals"]["not_started"]
    assert 1 <= done < len(ids)
    assert done + left == len(ids)
    assert report["stopped"] == {signal.SIGTERM: "terminated (SIGTERM)",
                                 signal.SIGINT: "interrupted (Ctrl-C)"}[sent]
    said = " ".join(out.split())
    assert f"batch stopped: {report['stopped']}: {done} done" in said
    assert "rerun to continue" in said
    assert f"[{done}/{len(ids)}] done" in said  # the plain progress lines of a log


def test_draft_with_a_run_name_writes_beside_other_runs_and_says_when_it_explains_gold(
        workspace) -> None:
    """One trajectory drafted with ``draft --run``: its own folder, the run in the front
    matter, and the fallback to the instance's patch said; --repos given as a pattern."""
    tmp, make = workspace
    instances = make(["acme__geo-1"])
    path = tmp / "trajectories" / "acme__geo-1.traj.json"
    diff = json.loads(path.read_text())["info"]["submission"]
    path.write_text(traj(""))
    instances.write_text(json.dumps(json.loads(instances.read_text()) | {"patch": diff}) + "\n")
    (tmp / "repos" / "acme__geo").rename(tmp / "repos" / "acme@geo")
    with LocalServer(answer_for(set())) as server:
        args = [sys.executable, "-m", "reasondraft", "draft", "--instance", str(instances),
                "--id", "acme__geo-1", "--trajectory", str(path), "--repos",
                str(tmp / "repos" / "{owner}@{name}"), "--model", "openai/gpt-4o-mini",
                "--api-base", server.url, "--out", str(tmp / "out")]
        drafted = subprocess.run([*args, "--run", "agent-x"], capture_output=True, text=True,
                                 env=clean_env(), check=False)
        bad = subprocess.run([*args, "--run", "../up"], capture_output=True, text=True,
                             env=clean_env(), check=False)
    assert drafted.returncode == 0, drafted.stderr
    draft = (tmp / "out" / "acme__geo-1__agent-x" / "draft.md").read_text()
    assert "\nrun: agent-x\n" in draft.split("\n---\n")[0]
    assert "note: the trajectory" in drafted.stdout
    assert "has no submission" in " ".join(drafted.stdout.split())
    assert bad.returncode == 2
    [line] = bad.stderr.strip().splitlines()
    assert "--run name '../up' cannot name a folder" in line
    assert sorted(p.name for p in (tmp / "out").iterdir()) == ["acme__geo-1__agent-x"]


@pytest.mark.parametrize(("pattern", "repo", "message"), [
    ("m/{owner}+{name}", "../geo", "repo owner '..' cannot name a folder"),
    ("m/{owner}+{name}", "acme/.git", "repo name '.git' cannot name a folder"),
    ("m/{owner}+{name}", "acme", "'acme' is not owner/name"),
    ("m/{owner}/{repo}", "acme/geo", "only {owner} and {name} may be filled in"),
    ("m/{owner}+{name}", "acme/geo", "no clone of acme/geo (looked for "),
])
def test_a_repos_pattern_is_filled_only_with_plain_names(tmp_path, pattern, repo,
                                                         message) -> None:
    with pytest.raises(InputError) as caught:
        find_repo(tmp_path / pattern, repo)
    assert message in str(caught.value)
