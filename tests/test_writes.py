"""Writing only where and what it must: the draft/approve race, instance ids as paths, a
crash during ``draft --force``, links and special files as targets, output paths checked
before the model is called. Real git repos, real files, a local HTTP model server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from model_server import LocalServer, Reply
from reasondraft import files
from reasondraft.document import read_draft
from reasondraft.draft.drafter import DraftRequest, draft_task
from reasondraft.draft.folder import claim_folder, write_folder
from reasondraft.draft.llm import RetryPolicy
from reasondraft.errors import InputError, WriteConflict
from reasondraft.files import append_jsonl, atomic_write, check_output_dir, check_output_file
from reasondraft.names import folder_name
from reasondraft.review import approve
from reasondraft.task import load_task

FAST = RetryPolicy(attempts=2, initial=0.01, max_wait=0.02)
SOURCE = "def area(w, h):\n    return w * w\n"
ID = "acme__geo-1"


def trace(summary: str = "area() squares the width [[geo.py#L2]].") -> dict:
    """A format-2 trace that verifies clean against the repository below."""
    return {"outcome": {"resolved": None, "source": "none"},
            "summary": summary,
            "root_cause": {"where": ["geo.py::area"],
                           "mechanism": "It multiplies w by itself [[geo.py#L2]]."},
            "steps": [{"title": "Find the formula", "phase": "localize", "basis": "inferred",
                       "reasoning": "The bug is in [[geo.py::area]].",
                       "quotes": [{"ref": "geo.py#L2", "code": "return w * w"}]}],
            "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary",
                       "purpose": "multiplies the width by h"}]}


def swe_agent(diff: str) -> str:
    return json.dumps({"environment": "swe_main", "history": [], "trajectory": [
        {"action": "open geo.py", "observation": "1:def area(w, h):", "response": "",
         "thought": "Look.", "state": "{}"}], "info": {"submission": diff}})


@pytest.fixture
def task_folder(make_repo, tmp_path):
    repo = make_repo()
    base = repo.commit({"geo.py": SOURCE})
    head = repo.commit({"geo.py": SOURCE.replace("w * w", "w * h")})
    folder = tmp_path / "task"
    folder.mkdir()
    (folder / "task.json").write_text(json.dumps(
        {"instance_id": ID, "repo": "acme/geo", "base_commit": base,
         "problem_statement": "area(2, 3) returns 4"}))
    (folder / "patch.diff").write_text(repo.diff(base, head))
    return folder, repo.path


def recording(tmp_path: Path, summary: str = "area() squares the width [[geo.py#L2]].") -> str:
    path = tmp_path / f"rec-{abs(hash(summary))}.json"
    path.write_text(json.dumps({"recordings": [{"answers": [trace(summary)]}]}))
    return f"fixture/{path}"


class HeldServer(LocalServer):
    """A model server that answers a request only once ``release`` is set, so a test can
    act while a draft waits for its answer (no timing involved)."""

    def __init__(self, summary: str) -> None:
        super().__init__([Reply(answer=trace(summary))])
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()

    def next_reply(self, body: dict) -> Reply:
        reply = super().next_reply(body)
        self.arrived.release()
        self.release.wait(60)
        return reply

    def wait_for(self, requests: int) -> None:
        for _ in range(requests):
            assert self.arrived.acquire(timeout=60), "the draft never called the model"


def env_for_cli() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    env["OPENAI_API_KEY"] = "sk-test"
    return env


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reasondraft", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env_for_cli(),
                          check=False)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


# -- item 1: a draft never replaces a draft that appeared or changed while it ran ----------

def test_approval_during_a_draft_is_kept_and_the_answer_saved_beside(task_folder, tmp_path,
                                                                      monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    folder, repo = task_folder
    out = tmp_path / "out"
    with HeldServer("The slow model's answer [[geo.py#L2]].") as server, \
            ThreadPoolExecutor(1) as pool:
        slow = pool.submit(draft_task, load_task(folder, repo=repo),
                           DraftRequest(model="openai/slow", api_base=server.url, retry=FAST),
                           out)
        server.wait_for(1)
        fast = draft_task(load_task(folder, repo=repo),
                          DraftRequest(model=recording(tmp_path), retry=FAST), out)
        assert approve(fast.folder, "alice").written
        approved = (fast.folder / "draft.md").read_bytes()
        server.release.set()
        with pytest.raises(WriteConflict, match=r"draft\.md appeared since this run started"):
            slow.result()
    assert (fast.folder / "draft.md").read_bytes() == approved
    [saved] = out.glob(f"{ID}.draft.md.new-*")
    assert "The slow model's answer" in saved.read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted([ID, saved.name])
    assert read_draft(fast.folder / "draft.md").front["review"]["reviewer"] == "alice"


def test_cli_refuses_with_exit_1_and_one_line_when_the_draft_changed(task_folder, tmp_path
                                                                     ) -> None:
    folder, repo = task_folder
    out = tmp_path / "out"
    existing = draft_task(load_task(folder, repo=repo),
                          DraftRequest(model=recording(tmp_path), retry=FAST), out)
    with HeldServer("The replacement [[geo.py#L2]].") as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "reasondraft", "draft", str(folder), "--repo", str(repo),
             "--model", "openai/slow", "--api-base", server.url, "--out", str(out),
             "--log", str(tmp_path / "calls.jsonl"), "--force"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for_cli())
        server.wait_for(1)
        approve(existing.folder, "alice")  # while --force waits for its answer
        approved = (existing.folder / "draft.md").read_bytes()
        server.release.set()
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "draft.md changed since" in stderr
    assert (existing.folder / "draft.md").read_bytes() == approved
    [saved] = out.glob(f"{ID}.draft.md.new-*")
    assert str(saved) in stderr
    assert "The replacement" in saved.read_text()
    assert not list(out.glob(f".{ID}.*"))  # no backup, no staging folder


@pytest.mark.parametrize("force", [False, True])
def test_two_concurrent_drafts_of_one_task_exactly_one_wins(task_folder, tmp_path, force,
                                                            monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    folder, repo = task_folder
    out = tmp_path / "out"
    if force:
        draft_task(load_task(folder, repo=repo),
                   DraftRequest(model=recording(tmp_path), retry=FAST), out)
    with HeldServer("Either answer [[geo.py#L2]].") as server, ThreadPoolExecutor(2) as pool:
        runs = {f"openai/m{n}": pool.submit(
            draft_task, load_task(folder, repo=repo),
            DraftRequest(model=f"openai/m{n}", api_base=server.url, retry=FAST), out,
            force=force) for n in (1, 2)}
        server.wait_for(2)
        server.release.set()
        won, lost = [], []
        for model, run in runs.items():
            try:
                run.result()
                won.append(model)
            except WriteConflict as exc:
                lost.append((model, str(exc)))
    assert len(won) == 1
    assert len(lost) == 1
    assert read_draft(out / ID / "draft.md").front["provenance"]["model"] == won[0]
    [saved] = out.glob(f"{ID}.draft.md.new-*")
    assert str(saved) in lost[0][1]
    assert read_draft(saved).front["provenance"]["model"] == lost[0][0]
    assert len(list(out.glob(f".{ID}.bak-*"))) == (1 if force else 0)
    assert not list(out.glob(f".{ID}.tmp-*"))


# -- item 2: an instance id is a folder name, never a path -------------------------------

@pytest.mark.parametrize("bad", ["../../escape", "/tmp/escape", "a/b", ".", "..", "",
                                 "a\\b", "a\x1b]0;x\x07b", "a\nb", ".hidden", "x" * 201])
def test_an_id_that_is_not_a_plain_name_is_refused(bad) -> None:
    with pytest.raises(InputError, match="cannot name a folder"):
        folder_name(bad)


@pytest.mark.parametrize("good", ["django__django-11099",
                                  "oauthlib__oauthlib.1fd52536.lm_rewrite__q9ve64pd",
                                  "astropy__astropy-12907", "x"])
def test_real_ids_name_their_folder_unchanged(good) -> None:
    assert folder_name(good) == good


def test_draft_with_an_escaping_id_calls_no_model_and_writes_nothing(task_folder,
                                                                     tmp_path) -> None:
    folder, repo = task_folder
    record = json.loads((folder / "task.json").read_text())
    instance = tmp_path / "inst.json"
    instance.write_text(json.dumps(record | {"instance_id": "../../escape",
                                             "patch": (folder / "patch.diff").read_text()}))
    with LocalServer([Reply(answer=trace())]) as server:
        result = cli("draft", "--instance", instance, "--repo", repo, "--model",
                     "openai/x", "--api-base", server.url, "--out", tmp_path / "a" / "out",
                     "--log", tmp_path / "calls.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert "instance id '../../escape' cannot name a folder" in one_line(result)
    assert not server.requests
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "a").exists()


# -- item 3: draft --force swaps a whole folder in; a kill leaves old or new, never a mix --

def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path (a crash's empty lock file aside)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".draft.md.lock"}


def test_kill_at_any_step_of_force_leaves_the_old_or_the_new_folder(task_folder,
                                                                   tmp_path) -> None:
    folder, repo = task_folder
    diff = (folder / "patch.diff").read_text()
    (tmp_path / "old.json").write_text(swe_agent(diff))
    (tmp_path / "new.traj").write_text(swe_agent(diff))
    out = tmp_path / "out"
    draft_task(load_task(folder, repo=repo, trajectory=tmp_path / "old.json"),
               DraftRequest(model=recording(tmp_path), retry=FAST), out)
    (out / ID / "draft.md").write_text((out / ID / "draft.md").read_text() + "\nA note.\n")
    os.chmod(out / ID / "draft.md", 0o664)
    old = snapshot(out / ID)
    scratch = draft_task(load_task(folder, repo=repo, trajectory=tmp_path / "new.traj"),
                         DraftRequest(model=recording(tmp_path, "New [[geo.py#L2]]."),
                                      retry=FAST), tmp_path / "scratch")
    new = snapshot(scratch.folder)
    files = {name: new[name] for name in sorted(new, key=lambda n: n == "draft.md")}
    assert "trajectory.json" in old
    assert "trajectory.traj" in new
    assert old.keys() != new.keys()

    outcomes = []
    for step in range(1, 20):
        work = tmp_path / f"kill-{step}"
        shutil.copytree(out, work, symlinks=True)
        pid = os.fork()
        if pid == 0:
            write_then_die(step, work, files)
        _, status = os.waitpid(pid, 0)
        outcomes.append(outcome(work, old, new))
        if not os.WIFSIGNALED(status):
            break
    # five files written into the staging folder, the old folder renamed to its backup,
    # the new one renamed into place: killed before each, then a run that completes
    assert outcomes == ["old"] * 6 + ["between"] + ["new"]
    assert stat.S_IMODE(os.stat(work / ID / "draft.md").st_mode) == 0o664  # mode kept


def write_then_die(step: int, work: Path, files: dict[str, bytes]) -> None:
    """In a forked child: write the folder with --force and get killed -9 just before the
    step-th rename (os.replace and os.rename are every step that changes what is there)."""
    calls = [0]

    def dying(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call

    os.replace, os.rename = dying(os.replace), dying(os.rename)
    try:
        write_folder(claim_folder(work, ID, force=True), files)
    finally:
        os._exit(0)


def outcome(work: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    """'old' or 'new' when the task folder is exactly one of them, 'between' when it is
    missing and both the backup (old) and the staging folder (new) are whole."""
    backups = list(work.glob(f".{ID}.bak-*"))
    staging = list(work.glob(f".{ID}.tmp-*"))
    if (work / ID).exists():
        now = snapshot(work / ID)
        if now == old and not backups:
            return "old"
        if now == new and [snapshot(b) for b in backups] == [old] and not staging:
            return "new"
        return f"mixed: {sorted(now)}"
    if [snapshot(b) for b in backups] == [old] and [snapshot(s) for s in staging] == [new]:
        return "between"
    return "lost"


def test_force_with_another_trajectory_extension_leaves_only_the_new_one(task_folder,
                                                                        tmp_path) -> None:
    folder, repo = task_folder
    diff = (folder / "patch.diff").read_text()
    (tmp_path / "a.json").write_text(swe_agent(diff))
    (tmp_path / "b.traj").write_text(swe_agent(diff))
    out = tmp_path / "out"
    request = DraftRequest(model=recording(tmp_path), retry=FAST)
    draft_task(load_task(folder, repo=repo, trajectory=tmp_path / "a.json"), request, out)
    result = draft_task(load_task(folder, repo=repo, trajectory=tmp_path / "b.traj"), request,
                        out, force=True)
    assert sorted(p.name for p in result.folder.iterdir()) == [
        "draft.generated.md", "draft.md", "patch.diff", "task.json", "trajectory.traj"]
    assert load_task(result.folder, repo=repo).trajectory is not None  # one trajectory
    assert (result.backup / "trajectory.json").exists()
    status = cli("status", out, "--json", cwd=tmp_path)  # the backup is not a task
    assert [row["instance_id"] for row in json.loads(status.stdout)] == [ID]


# -- item 4: links and special files are never written through or replaced ---------------

def special_targets(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "real.txt").write_text("keep me\n")
    os.symlink(tmp_path / "real.txt", tmp_path / "link-to-file")
    os.symlink("/dev/null", tmp_path / "link-to-null")
    os.symlink("/proc/self/fd/1", tmp_path / "link-to-stdout")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.mkfifo(tmp_path / "fifo")
    return {name: tmp_path / name for name in
            ("link-to-file", "link-to-null", "link-to-stdout", "dangling", "fifo")}


def test_writes_refuse_links_and_special_files_and_leave_them(tmp_path) -> None:
    for name, target in special_targets(tmp_path).items():
        kind = "a FIFO" if name == "fifo" else "a symbolic link"
        with pytest.raises(InputError, match=f"is {kind}, not a regular file"):
            atomic_write(target, "x")
        with pytest.raises(InputError, match=f"is {kind}"):
            append_jsonl(target, {"x": 1})
        with pytest.raises(InputError, match=f"is {kind}"):
            check_output_file(target)
        assert stat.S_ISFIFO(os.lstat(target).st_mode) if name == "fifo" else target.is_symlink()
    assert (tmp_path / "real.txt").read_text() == "keep me\n"
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name) == []


def test_a_device_node_is_refused(tmp_path) -> None:
    try:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    with pytest.raises(InputError, match="is a character device"):
        atomic_write(tmp_path / "null", "x")
    assert stat.S_ISCHR(os.lstat(tmp_path / "null").st_mode)


def test_a_rewrite_keeps_mode_and_owner(tmp_path) -> None:
    path = tmp_path / "draft.md"
    path.write_text("old\n")
    os.chmod(path, 0o664)
    if os.geteuid() == 0:
        os.chown(path, 1234, 5678)
    atomic_write(path, "new\n")
    after = os.stat(path)
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(after.st_mode) == 0o664
    if os.geteuid() == 0:
        assert (after.st_uid, after.st_gid) == (1234, 5678)
    atomic_write(tmp_path / "fresh.md", "x")
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.md").st_mode) == 0o666 & ~files.UMASK
    atomic_write(tmp_path / "sealed.json", "x", private=True)
    assert stat.S_IMODE(os.stat(tmp_path / "sealed.json").st_mode) == 0o600


def test_a_new_file_is_as_readable_as_the_umask_allows(tmp_path) -> None:
    """Drafts are a team's work: a new file was 0600 (mkstemp), unreadable to teammates
    on a shared machine whatever the umask said."""
    script = ("import os, stat, sys\nos.umask(0o022)\nfrom reasondraft.files import atomic_write\n"
              "from pathlib import Path\natomic_write(Path(sys.argv[1]), 'x')\n"
              "print(oct(stat.S_IMODE(os.stat(sys.argv[1]).st_mode)))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "draft.md")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0o644"


# -- item 5: a session folder's links are not followed ----------------------------------

def test_links_in_an_openhands_folder_are_skipped_and_reported(task_folder, tmp_path) -> None:
    folder, repo = task_folder
    session = tmp_path / "session"
    shutil.copytree(Path(__file__).parent / "trajectory/fixtures/openhands_session", session)
    (tmp_path / "secret").write_text("root:x:0:0\n")
    os.symlink(tmp_path / "secret", session / "notes.txt")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "key.txt").write_text("private\n")
    os.symlink(tmp_path / "elsewhere", session / "more")
    os.mkfifo(session / "pipe")
    result = draft_task(load_task(folder, repo=repo, trajectory=session),
                        DraftRequest(model=recording(tmp_path), retry=FAST), tmp_path / "out")
    copied = result.folder / "trajectory"
    assert sorted(p.name for p in copied.iterdir()) == ["events"]
    assert len(list((copied / "events").iterdir())) == 14
    assert result.skipped == ["trajectory/more: a symbolic link",
                              "trajectory/notes.txt: a symbolic link",
                              "trajectory/pipe: a special file"]
    front = read_draft(result.folder / "draft.md").front
    assert front["provenance"]["skipped_inputs"] == result.skipped
    everything = b"".join(p.read_bytes() for p in result.folder.rglob("*") if p.is_file())
    assert b"root:x:0:0" not in everything
    assert b"private" not in everything


# -- item 14: every output path is checked before the model is called --------------------

@pytest.mark.parametrize("case", ["out is a file", "log is a folder", "log is a FIFO",
                                  "record is a folder", "out under a file"])
def test_bad_output_paths_fail_before_any_model_call(task_folder, tmp_path, case) -> None:
    folder, repo = task_folder
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    paths = {"--out": tmp_path / "out", "--log": tmp_path / "calls.jsonl",
             "--record": tmp_path / "rec.json"}
    option, value, says = {
        "out is a file": ("--out", tmp_path / "file", "is not a directory"),
        "out under a file": ("--out", tmp_path / "file" / "out", "is not a directory"),
        "log is a folder": ("--log", tmp_path / "dir", "is a directory"),
        "log is a FIFO": ("--log", tmp_path / "fifo", "is a FIFO"),
        "record is a folder": ("--record", tmp_path / "dir", "is a directory"),
    }[case]
    paths[option] = value
    with LocalServer([Reply(answer=trace())]) as server:
        result = cli("draft", folder, "--repo", repo, "--model", "openai/x", "--api-base",
                     server.url, *[x for pair in paths.items() for x in pair], cwd=tmp_path)
    assert result.returncode == 2
    assert says in one_line(result)
    assert not server.requests


def test_a_batch_with_a_bad_out_fails_before_any_work(tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    result = cli("batch", "--instances", tmp_path / "none.jsonl", "--trajectories", tmp_path,
                 "--repos", tmp_path, "--model", "fixture/example", "--out",
                 tmp_path / "file", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a directory" in one_line(result)


def test_output_checks_accept_what_can_be_created(tmp_path) -> None:
    check_output_dir(tmp_path / "new" / "deeper")
    check_output_file(tmp_path / "new" / "calls.jsonl", append=True)
    (tmp_path / "log.jsonl").write_text("")
    check_output_file(tmp_path / "log.jsonl", append=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]  # nothing created
    with pytest.raises(InputError, match="cannot create files in /proc"):
        check_output_file(Path("/proc/version"))


def test_an_audit_log_that_fails_mid_run_is_reported_as_itself(tmp_path, monkeypatch) -> None:
    """Not as 'no valid answer after 3 attempts' (instructor wraps what a call raises)."""
    from reasondraft.draft.drafter import ReasoningTrace
    from reasondraft.draft.llm import LLMClient

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    os.mkfifo(tmp_path / "fifo")
    with LocalServer([Reply(answer=trace())]) as server:
        client = LLMClient("openai/x", api_base=server.url, log=tmp_path / "fifo", retry=FAST)
        with pytest.raises(InputError, match="is a FIFO"):
            client.structured([{"role": "user", "content": "x"}], ReasoningTrace,
                              max_repairs=2)
    assert len(server.requests) == 1
