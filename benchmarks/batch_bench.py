"""Batch drafting against a slow model: wall time versus the ideal, and peak memory.

The tests' OpenAI-compatible server (tests/model_server.py, in its own process, so it does
not share the batch's GIL) answers every request after a fixed delay. 64 tasks at -j 16
take 4 rounds, so the ideal is 4 x delay; the target is within 125% of it. Peak RSS is read
for 64 and 256 tasks to show memory stays flat as the batch grows.

Each size runs ``--repeat`` times, each in a new ``reasondraft batch`` process on a fresh
workspace. The batch time is the report's ``seconds``: from the first task's start to the
last one's end, after the process has imported its libraries (and loaded what litellm and
instructor import lazily, see batch/run.py); the process time, imports included, is
printed beside it.

Run: python benchmarks/batch_bench.py [--delay 1.0] [--sizes 64,256] [--jobs 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

SOURCE = "def area(w, h):\n    return w * w\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
ANSWER = {
    "outcome": {"resolved": None, "source": "none", "steps": [], "account": ""},
    "summary": "area() squares the width [[geo.py#L2]].",
    "root_cause": {"where": ["geo.py#L2"], "mechanism": "It multiplies w by w."},
    "steps": [{"title": "Find the formula", "phase": "localize", "basis": "observed",
               "trajectory_steps": [1],
               "reasoning": "The bug is in [[geo.py::area]] ([[geo.py#L2]]), seen at "
                            "[[step:1]].", "quotes": [], "hypotheses": [], "decision": None}],
    "agent_path": [],
    "hunks": [{"ref": "geo.py#L2@patched", "necessity": "necessary", "purpose": "multiply by h",
               "tests": []}],
    "trade_offs": [], "edge_cases": [], "tests": [],
}
RUNNER = """
import sys
from reasondraft.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            print("PEAK", line.split()[1], file=sys.stderr)
"""


def serve(port_file: Path, delay: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from model_server import LocalServer, Reply  # the tests' model server

    with LocalServer(lambda _body: Reply(answer=ANSWER, delay=delay)) as server:
        port_file.write_text(server.url)
        while True:
            time.sleep(3600)


def workspace(root: Path, size: int) -> tuple[Path, Path, Path]:
    repo_dir = root / "repos" / "acme__geo"
    repo = git.Repo.init(repo_dir)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "bench").set_value("user", "email", "b@example.invalid")
    (repo_dir / "geo.py").write_text(SOURCE)
    repo.index.add(["geo.py"])
    base = repo.index.commit("base").hexsha
    (repo_dir / "geo.py").write_text(SOURCE.replace("w * w", "w * h"))
    repo.index.add(["geo.py"])
    head = repo.index.commit("fix").hexsha
    diff = repo.git.diff(base, head, strip_newline_in_stdout=False)
    repo.close()
    trajectories = root / "trajectories"
    trajectories.mkdir()
    rows = []
    for n in range(size):
        instance_id = f"acme__geo-{n}"
        rows.append(json.dumps({"instance_id": instance_id, "repo": "acme/geo",
                                "base_commit": base, "problem_statement": "area is wrong"}))
        steps = [{"action": "open geo.py", "observation": SOURCE, "response": "",
                  "thought": "Look at area.",
                  "state": json.dumps({"open_file": "/testbed/geo.py", "working_dir":
                                       "/testbed"})},
                 {"action": "submit", "observation": diff, "response": "", "thought": "",
                  "state": "{}"}]
        (trajectories / f"{instance_id}.traj").write_text(json.dumps(
            {"environment": "swe_main", "trajectory": steps, "history": [],
             "info": {"exit_status": "submitted", "submission": diff}}))
    instances = root / "instances.jsonl"
    instances.write_text("\n".join(rows) + "\n")
    return instances, trajectories, root / "repos"


def run(size: int, jobs: int, url: str, root: Path) -> tuple[float, float, float, int]:
    instances, trajectories, repos = workspace(root, size)
    out = root / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REASONDRAFT_")}
    env["OPENAI_API_KEY"] = "sk-bench"
    args = ["batch", "--instances", str(instances), "--trajectories", str(trajectories),
            "--repos", str(repos), "--out", str(out), "--model", "openai/gpt-4o-mini",
            "--api-base", url, "-j", str(jobs), "--log", str(root / "calls.jsonl")]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUNNER, *args], env=env, text=True,
                          capture_output=True, check=False)
    process = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"batch failed: {done.stderr[-2000:]}")
    peak_kb = int(next(line.split()[1] for line in done.stderr.splitlines()
                       if line.startswith("PEAK")))
    report = json.loads((out / "batch-report.json").read_text())
    drafted = report["totals"]["done"]
    return report["seconds"], process, peak_kb / 1024, drafted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--sizes", default="64,256")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.delay)
        return
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "url"
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file),
                                   "--delay", str(args.delay)])
        try:
            while not port_file.exists():
                time.sleep(0.05)
            url = port_file.read_text()
            print(f"model delay {args.delay:.2f} s, -j {args.jobs}")
            for size in (int(s) for s in args.sizes.split(",")):
                runs = [run(size, args.jobs, url, Path(tmp) / f"n{size}-{k}")
                        for k in range(args.repeat)]
                ideal = -(-size // args.jobs) * args.delay
                seconds = sorted(r[0] for r in runs)
                best, median = seconds[0], statistics.median(seconds)
                print(f"{size:>4} tasks: batch {best:5.2f} s best, {median:5.2f} s median "
                      f"({best / ideal:.0%} / {median / ideal:.0%} of the {ideal:.1f} s ideal; "
                      f"runs {', '.join(f'{x:.2f}' for x in seconds)}); process with imports "
                      f"{statistics.median(r[1] for r in runs):.1f} s; "
                      f"{min(r[3] for r in runs)} drafted; "
                      f"peak RSS {max(r[2] for r in runs):.0f} MB")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
