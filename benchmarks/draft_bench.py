"""Drafting costs that are ours, not the model's.

Prints: the import time of the draft path (litellm + instructor, in a fresh process); the
packing time and the packed/raw token ratio for large synthetic trajectories (500 and 2,000
steps with long observations) under the default 32k budget; and the pipeline overhead per
task with a zero-latency model (the fixture provider replaying a valid answer: packing,
litellm, instructor, verification in the loop, writing the folder), after imports.

Run: python benchmarks/draft_bench.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from reasondraft.draft.context import Level, render_trajectory
from reasondraft.draft.drafter import DraftRequest, draft_task, prepare, token_counter
from reasondraft.task import load_task
from reasondraft.trajectory import Action, Observation, Step, StepKind, Trajectory

SOURCE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(200))
EVERYTHING = Level(thought_chars=10**9, head=10**9, tail=0, action_chars=10**9)
ANSWER = {
    "outcome": {"resolved": None, "source": "none", "steps": [], "account": ""},
    "summary": "f3 adds the wrong constant [[mod.py#L14]].",
    "root_cause": {"where": ["mod.py::f3"], "mechanism": "It adds 3 [[mod.py#L14]]."},
    "steps": [{"title": "Find it", "phase": "localize", "basis": "observed",
               "trajectory_steps": [1],
               "reasoning": "See [[mod.py::f3]] and [[step:1]] ([[mod.py#L13-L14]]).",
               "quotes": [{"ref": "mod.py#L14", "code": "    return x + 3"}],
               "hypotheses": [], "decision": None}],
    "agent_path": [],
    "hunks": [{"ref": "mod.py#L14@patched", "necessity": "necessary", "purpose": "use 4",
               "tests": []}],
    "trade_offs": [], "edge_cases": [], "tests": [],
}


def import_time() -> float:
    code = ("import time; t = time.perf_counter(); import reasondraft.draft.drafter; "
            "print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)


def synthetic(steps: int) -> Trajectory:
    output = "\n".join(f"{n:>5}: some output line with text {n}" for n in range(300))
    return Trajectory(format="swe-agent", steps=[
        Step(number=n, kind=StepKind.VIEW if n % 4 else StepKind.EDIT, paths=["mod.py"],
             thought="Let me think about this. " * 30,
             action=Action(name="bash", text=f"open mod.py {n}"),
             observation=Observation(text=output, exit_code=0))
        for n in range(1, steps + 1)])


def task_folder(root: Path) -> Path:
    repo = git.Repo.init(root / "repo")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "bench").set_value("user", "email", "b@example.invalid")
    (root / "repo" / "mod.py").write_text(SOURCE)
    repo.index.add(["mod.py"])
    base = repo.index.commit("base").hexsha
    (root / "repo" / "mod.py").write_text(SOURCE.replace("x + 3\n", "x + 4\n"))
    repo.index.add(["mod.py"])
    head = repo.index.commit("fix").hexsha
    folder = root / "task"
    folder.mkdir()
    (folder / "task.json").write_text(json.dumps({
        "instance_id": "bench__mod-1", "repo": "bench/mod", "base_commit": base,
        "problem_statement": "f3 is off by one"}))
    (folder / "patch.diff").write_text(repo.git.diff(base, head, strip_newline_in_stdout=False))
    repo.close()
    (root / "rec.json").write_text(json.dumps({"recordings": [{"answers": [ANSWER] * 3}]}))
    return folder


def main() -> None:
    print(f"import of the draft path (fresh process): {import_time():.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = task_folder(root)
        task = load_task(folder, repo=root / "repo")
        request = DraftRequest(model=f"fixture/{root / 'rec.json'}")
        count = token_counter(request.model)
        for steps in (500, 2000):
            task.trajectory = synthetic(steps)
            raw = count(render_trajectory(task.trajectory, EVERYTHING))
            started = time.perf_counter()
            prepared = prepare(task, request)
            seconds = time.perf_counter() - started
            print(f"packing {steps:>5} steps: {seconds:.2f} s, {prepared.packed.tokens:,} "
                  f"tokens packed of about {raw:,} raw ({prepared.packed.tokens / raw:.1%}), "
                  f"trajectory level {prepared.packed.level}, dropped "
                  f"{prepared.packed.dropped or 'nothing'}")
        task.trajectory = synthetic(20)
        draft_task(task, request, root / "warm")
        runs = []
        for n in range(10):
            started = time.perf_counter()
            draft_task(task, request, root / f"out{n}")
            runs.append(time.perf_counter() - started)
        print(f"pipeline overhead per task (zero-latency model, 20 steps, after imports): "
              f"median {statistics.median(runs) * 1000:.0f} ms, max {max(runs) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
