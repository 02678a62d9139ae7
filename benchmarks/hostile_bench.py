"""How long, and in how much memory, hostile inputs take: each should be read in one pass
or refused at once, never hang or grow with the square of its size.

Builds each input in a temporary folder (a small git repository and task folders around
it), runs the command on it in a fresh process and prints the wall time of the command
(Python's start-up excluded, imports included), the CPU time of the process (steadier
than wall time on a shared machine), its peak RSS (Linux VmHWM), its exit status and the
last line it printed on stderr. An input still running after ``--timeout`` seconds is
stopped and shown as such.

- a 1.6 MB and a 4 MB quoted shell argument in one action (``inspect``);
- a 60 KB line of ``[``, and ``[[a`` repeated to 60 KB, in a draft (``verify``);
- 100,000 references on one line (``verify`` and ``show``);
- a diff with 1,000,000 hunks (parsed alone, and ``task``: parse and apply);
- a 200 MB observation line (load the trajectory, then pack the prompt);
- a YAML alias bomb in the front matter (``status``, ``verify``);
- a FIFO and a link to /dev/zero as the trajectory (``verify``, ``inspect``).

    python benchmarks/hostile_bench.py [--scale 1.0] [--timeout 120] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MODULE = "\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(40))
CHILD = """
import io, json, sys, time
from pathlib import Path
out, kind, args = sys.argv[1], sys.argv[2], sys.argv[3:]
start = time.perf_counter()
code, note = 0, ""
if kind == "cli":
    from reasondraft.cli import main
    sys.argv = ["reasondraft", *args]
    sys.stdout = io.StringIO()
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout = sys.__stdout__
elif kind == "parse":  # parse a diff file only
    from reasondraft.diff import parse_diff
    patch = parse_diff(Path(args[0]).read_text())
    note = f"{sum(len(f.hunks) for f in patch.files)} hunks"
else:  # pack: load the trajectory, pack the prompt with a 4-characters-a-token counter
    from reasondraft.diff import parse_diff
    from reasondraft.draft.context import pack
    from reasondraft.instance import Instance
    from reasondraft.repo import RepoView
    from reasondraft.trajectory import load_trajectory
    trajectory, repo, base, diff = args
    loaded = load_trajectory(Path(trajectory))
    patch = parse_diff(Path(diff).read_text())
    view = RepoView(Path(repo), base, patch)
    count = lambda text: len(text) // 4 + 1
    packed = pack(view, patch, Instance(instance_id="bench__bench-1", problem_statement="x"),
                  loaded, budget=32_000, count=count,
                  measure=lambda sections, counter: sum(counter(v) for v in sections.values()))
    note = f"level {packed.level}"
seconds = time.perf_counter() - start
import resource
usage = resource.getrusage(resource.RUSAGE_SELF)
status = Path("/proc/self/status")
peak = next((int(line.split()[1]) / 1024 for line in status.read_text().splitlines()
             if line.startswith("VmHWM:")), 0.0) if status.exists() else 0.0
Path(out).write_text(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                                 "peak_mb": peak, "code": code, "note": note}))
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=bench", "-c",
                           "user.email=bench@example.invalid", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


@dataclass
class Project:
    """A git repository with one fix, and helpers to write task folders around it."""

    root: Path
    repo: Path
    base: str
    diff: str

    @classmethod
    def build(cls, root: Path) -> Project:
        repo = root / "repo"
        (repo / "pkg").mkdir(parents=True)
        (repo / "pkg" / "a.py").write_text(MODULE)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "base")
        base = git(repo, "rev-parse", "HEAD")
        (repo / "pkg" / "a.py").write_text(MODULE.replace("return x + 3\n", "return x + 33\n"))
        diff = subprocess.run(["git", "-C", str(repo), "diff"], check=True,
                              capture_output=True, text=True).stdout
        git(repo, "checkout", "-q", "--", ".")
        return cls(root, repo, base, diff)

    def task(self, name: str, body: str = "Nothing cited.\n", *, front: str | None = None,
             diff: str | None = None, trajectory: bool = True) -> Path:
        folder = self.root / "drafts" / name
        folder.mkdir(parents=True)
        instance = {"instance_id": name, "repo": "bench/bench", "base_commit": self.base,
                    "problem_statement": "x", "patch": self.diff}
        (folder / "task.json").write_text(json.dumps(instance))
        (folder / "patch.diff").write_text(diff or self.diff)
        if trajectory:
            (folder / "trajectory.json").write_text(json.dumps(chat(["cat pkg/a.py"], "ok")))
        front = front or (f"format: 1\ninstance_id: {name}\nrepo: bench/bench\n"
                          f"base_commit: {self.base}\nrepo_path: {self.repo}\nstatus: draft\n")
        (folder / "draft.md").write_text(f"---\n{front}---\n{body}")
        return folder


def chat(commands: list[str], output: str) -> list[dict]:
    """An OpenAI-style chat trajectory: one bash call per command, each with ``output``."""
    messages: list[dict] = [{"role": "user", "content": "Fix it."}]
    for n, command in enumerate(commands):
        call = {"id": f"c{n}", "type": "function",
                "function": {"name": "bash", "arguments": json.dumps({"command": command})}}
        messages += [{"role": "assistant", "content": "Next.", "tool_calls": [call]},
                     {"role": "tool", "tool_call_id": f"c{n}", "content": output}]
    return messages


def quoted_action(size: int) -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        script = "x = 1; print(x)  # a | b > c\n" * (size // 28)
        path = project.root / f"quoted-{size}.json"
        path.write_text(json.dumps(chat([f"python -c '{script}' && cat pkg/a.py"], "ok")))
        return ["cli", "inspect", str(path)]
    return build


def draft_body(name: str, body: str, command: str = "verify") -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        folder = project.task(name, body)
        return ["cli", command, str(folder), *(["--no-pager"] if command == "show" else [])]
    return build


def many_hunks(count: int, *, parse_only: bool = False) -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        repo = project.root / ("big-parse" if parse_only else "big")
        repo.mkdir()
        (repo / "big.txt").write_text("".join(f"line {i}\n" for i in range(1, 2 * count + 1)))
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "base")
        base = git(repo, "rev-parse", "HEAD")
        hunks = "".join(f"@@ -{k} +{k} @@\n-line {k}\n+LINE {k}\n"
                        for k in range(1, 2 * count, 2))
        folder = project.root / "drafts" / ("hunks-parse" if parse_only else "hunks")
        folder.mkdir(parents=True)
        (folder / "task.json").write_text(json.dumps(
            {"instance_id": "bench__hunks", "repo": "bench/big", "base_commit": base}))
        (folder / "patch.diff").write_text(
            "diff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n" + hunks)
        if parse_only:
            return ["parse", str(folder / "patch.diff")]
        return ["cli", "task", str(folder), "--repo", str(repo), "--json"]
    return build


def huge_observation(size: int) -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        path = project.root / "observation.json"
        commands = [f"cat pkg/a.py  # {n}" for n in range(40)]
        messages = chat(commands, "def f0(x):\n    return x\n" * 20)
        messages[4]["content"] = "start " + "x" * size + " end"  # one line
        path.write_text(json.dumps(messages))
        diff = project.root / "fix.diff"
        diff.write_text(project.diff)
        return ["pack", str(path), str(project.repo), project.base, str(diff)]
    return build


def alias_bomb(command: str) -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        levels = ["  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]  # 9 levels x 10: 10^9 leaves
        for i in range(1, 9):
            levels.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
        front = ("format: 1\nbomb:\n" + "\n".join(levels) + "\ninstance_id: *a8\n"
                 f"repo: bench/bench\nbase_commit: {project.base}\nrepo_path: {project.repo}\n")
        folder = project.task(f"bomb-{command}", front=front)
        return ["cli", command, str(folder.parent if command == "status" else folder)]
    return build


def special_trajectory(kind: str, command: str) -> Callable[[Project], list[str]]:
    def build(project: Project) -> list[str]:
        folder = project.task(f"{kind}-{command}", trajectory=False)
        path = folder / "trajectory.traj"
        if kind == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")
        return ["cli", command, str(path if command == "inspect" else folder)]
    return build


def cases(scale: float) -> list[tuple[str, Callable[[Project], list[str]]]]:
    def n(value: float) -> int:
        return max(1, int(value * scale))

    refs = "x " + "[[pkg/a.py#L4]] " * n(100_000) + "\n"
    return [
        ("quoted action 1.6 MB, inspect", quoted_action(n(1_600_000))),
        ("quoted action 4 MB, inspect", quoted_action(n(4_000_000))),
        ("60 KB line of '[', verify", draft_body("brackets", "x " + "[" * n(60_000) + "\n")),
        ("'[[a' x 20,000 (60 KB), verify", draft_body("openers", "x " + "[[a" * n(20_000))),
        ("100k references on one line, verify", draft_body("refs-verify", refs)),
        ("100k references on one line, show", draft_body("refs-show", refs, "show")),
        ("1,000,000-hunk diff, parse", many_hunks(n(1_000_000), parse_only=True)),
        ("1,000,000-hunk diff, task (parse + apply)", many_hunks(n(1_000_000))),
        ("200 MB observation line, load + pack", huge_observation(n(200_000_000))),
        ("YAML alias bomb front matter, status", alias_bomb("status")),
        ("YAML alias bomb front matter, verify", alias_bomb("verify")),
        ("FIFO trajectory, verify", special_trajectory("fifo", "verify")),
        ("FIFO trajectory, inspect", special_trajectory("fifo", "inspect")),
        ("/dev/zero link trajectory, inspect", special_trajectory("zero", "inspect")),
    ]


def run_case(args: list[str], timeout: float, work: Path) -> dict:
    out = work / "result.json"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        child = subprocess.run([sys.executable, "-c", CHILD, str(out), *args],
                               capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": True, "wall": time.perf_counter() - start}
    result = json.loads(out.read_text()) if out.exists() else {"code": child.returncode}
    result["wall"] = time.perf_counter() - start
    lines = [ln for ln in child.stderr.splitlines() if ln.strip()]
    result["said"] = lines[-1] if lines else ""
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.build(Path(tmp))
        for name, build in cases(args.scale):
            if args.only and args.only not in name:
                continue
            result = run_case(build(project), args.timeout, Path(tmp))
            if result.get("timeout"):
                print(f"{name}: still running after {args.timeout:.0f} s (stopped)")
                continue
            note = f", {result['note']}" if result.get("note") else ""
            said = f"  [{result['said'][:110]}]" if result.get("said") else ""
            cpu = f" (CPU {result['cpu']:.2f} s)" if "cpu" in result else ""
            print(f"{name}: {result.get('seconds', result['wall']):.2f} s{cpu}, peak RSS "
                  f"{result.get('peak_mb', 0):.0f} MB, exit {result['code']}{note}{said}")


if __name__ == "__main__":
    main()
