"""How fast, and in how much memory, large trajectories are read.

Generates ~50 MB / 2,000-step trajectories in a temporary folder — a SWE-agent 1.x ``.traj``
(one JSON document; every observation appears twice, in ``trajectory`` and ``history``,
as in real files), an OpenHands ``output.jsonl`` with three such runs (the middle one is
picked with ``--id``), a chat JSONL and an OpenHands events folder — then reads each in
a fresh process and prints the wall time and peak RSS (and the RSS after imports, so the
growth due to the file is visible).

    python benchmarks/trajectory_bench.py [--steps 2000] [--size-mb 50]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = "/testbed"


def output_text(step: int, size: int) -> str:
    """A plausible command output of about ``size`` characters."""
    line = f"{ROOT}/widgets/module_{step % 97}.py:{step}: value = compute({step}) # ok\n"
    return (line * (size // len(line) + 1))[:size]


def command(step: int) -> str:
    kinds = [f"cat {ROOT}/widgets/module_{step % 97}.py",
             f"grep -rn compute {ROOT}/widgets | head -50",
             f"sed -i 's/a/b/' {ROOT}/widgets/module_{step % 97}.py",
             f"cd {ROOT} && python -m pytest tests/test_{step % 13}.py -q"]
    return kinds[step % len(kinds)]


def swe_agent(path: Path, steps: int, obs: int) -> None:
    trajectory, history = [], [{"role": "system", "content": "You are a programmer.",
                                "agent": "main"}]
    for n in range(steps):
        text = output_text(n, obs)
        trajectory.append({"action": command(n), "observation": text,
                           "response": f"Step {n}: next.", "thought": f"Step {n}: next.",
                           "execution_time": 0.1,
                           "state": {"open_file": f"{ROOT}/a.py", "working_dir": ROOT}})
        history += [{"role": "assistant", "content": f"Step {n}", "thought": f"Step {n}",
                     "action": command(n), "agent": "main"},
                    {"role": "user", "content": text, "agent": "main"}]
    doc = {"trajectory": trajectory, "history": history,
           "info": {"submission": "diff --git a/a.py b/a.py\n", "model_stats": {}},
           "replay_config": {"problem_statement": {"id": "bench-1"}}}
    path.write_text(json.dumps(doc))


def events(steps: int, obs: int) -> list[dict]:
    out: list[dict] = [{"id": 0, "source": "user", "action": "message",
                        "args": {"content": f"<uploaded_files>\n{ROOT}\n</uploaded_files>"}}]
    for n in range(steps):
        out.append({"id": 2 * n + 1, "source": "agent", "action": "run",
                    "timestamp": "2025-01-01T00:00:00",
                    "args": {"command": command(n), "thought": f"Step {n}."}})
        out.append({"id": 2 * n + 2, "source": "agent", "observation": "run",
                    "cause": 2 * n + 1, "content": output_text(n, obs),
                    "extras": {"metadata": {"exit_code": 0, "working_dir": ROOT}}})
    return out


def openhands_rows(path: Path, steps: int, obs: int) -> None:
    with path.open("w") as handle:
        for row in range(3):
            handle.write(json.dumps({"instance_id": f"bench-{row}", "history": events(steps, obs),
                                     "test_result": {"git_patch": "diff --git a/a b/a\n"}}))
            handle.write("\n")


def openhands_folder(path: Path, steps: int, obs: int) -> None:
    (path / "events").mkdir(parents=True)
    for event in events(steps, obs):
        (path / "events" / f"{event['id']}.json").write_text(json.dumps(event))


def chat_jsonl(path: Path, steps: int, obs: int) -> None:
    with path.open("w") as handle:
        handle.write(json.dumps({"role": "user", "content": "Fix it."}) + "\n")
        for n in range(steps):
            call = {"id": f"c{n}", "type": "function", "function": {
                "name": "bash", "arguments": json.dumps({"command": command(n)})}}
            handle.write(json.dumps({"role": "assistant", "content": f"Step {n}.",
                                     "tool_calls": [call]}) + "\n")
            handle.write(json.dumps({"role": "tool", "tool_call_id": f"c{n}",
                                     "content": output_text(n, obs)}) + "\n")


def size_of(path: Path) -> int:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(p.stat().st_size for p in files if p.is_file())


def peak_rss_mb() -> float:
    """This process's peak resident set size. Linux's VmHWM, because ru_maxrss of a child
    also counts what its parent held when it forked."""
    status = Path("/proc/self/status")
    if status.exists():
        line = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, instance_id: str | None) -> dict:
    """Read ``path`` in this process (run as a child) and report time and memory."""
    from reasondraft.trajectory import load_trajectory

    baseline = peak_rss_mb()
    start = time.perf_counter()
    traj = load_trajectory(path, instance_id)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "import_mb": baseline,
            "steps": len(traj.steps), "format": traj.format}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--size-mb", type=float, default=50)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, instance_id = args.child
        print(json.dumps(measure(Path(path), instance_id or None)))
        return
    obs = int(args.size_mb * 1e6 / args.steps / 2)  # each output is written about twice
    cases: list[tuple[str, str, Callable[[Path, int, int], None], str]] = [
        ("SWE-agent .traj (one JSON document)", "run.traj", swe_agent, ""),
        ("chat JSONL (streamed)", "chat.jsonl", chat_jsonl, ""),
        ("OpenHands output.jsonl, row 2 of 3 by --id", "output.jsonl", openhands_rows,
         "bench-1"),
        ("OpenHands events folder", "session", openhands_folder, ""),
    ]
    sizes = {"chat.jsonl": obs * 2, "session": obs * 2, "output.jsonl": obs * 2}
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, write, instance_id in cases:
            path = Path(tmp) / name
            write(path, args.steps, sizes.get(name, obs))
            child = subprocess.run([sys.executable, __file__, "--child", str(path), instance_id],
                                   capture_output=True, text=True, check=True)
            result = json.loads(child.stdout)
            print(f"{label}: {size_of(path) / 1e6:.1f} MB, {result['steps']} steps "
                  f"({result['format']}) read in {result['seconds']:.2f} s; peak RSS "
                  f"{result['peak_mb']:.0f} MB ({result['import_mb']:.0f} MB after imports)")


if __name__ == "__main__":
    main()
