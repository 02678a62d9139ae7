"""How fast ``verify`` is, and how close it gets to the cost of just reading the blobs.

Builds a synthetic Python repository (or takes ``--repo DIR --base REV``), writes N drafts of
M references each (line ranges, quote blocks, symbols, whole files; every one correct), and
prints:

- references verified per second, in-process, after a warm-up run (the measured run starts
  from a fresh repository object: tree listing and blob reads are included);
- the wall time of ``reasondraft verify`` on one draft in a new process (imports included);
- the ratio of the measured in-process time to the floor: a raw, pipelined
  ``git cat-file --batch`` reading the same blobs the run read.

``--folder`` measures instead what a reviewer runs: ``reasondraft verify`` on a folder of
task folders (one process), each draft of real shape -- about ten references, most of them
test ids naming test methods in large test files (thousands of lines, as in Django or
SymPy), line ranges and symbols in source modules, a quote, a whole file. It prints the
references per second after start-up (in-process, imports done), the whole CLI run against
its floor (``git cat-file --batch`` of the same blobs plus the import floor), and the cold
start on one draft against two import floors, in new processes:

- the import statements: ``import typer, rich.console, git, pydantic, yaml, markdown_it,
  unidiff``. ``import pydantic`` loads pydantic-core but leaves ``BaseModel`` and ``Field``
  (pydantic's model machinery) to the first use;
- the same with pydantic's models loaded (``from pydantic import BaseModel, Field``): what
  any program defining a model imports, and what a format-2 trace (a pydantic model) needs.

It also prints a typer floor (a two-line typer command taking one path argument: typer
0.29 checks it through a pydantic TypeAdapter, loading pydantic whole, which is why
reasondraft stays below 0.29) and the cold start on the bundled example's format-2 draft
(87 references, a trajectory, every evidence check: what ``reasondraft demo`` drafts). Each
figure is given in wall time and in CPU time (user + system of the process and its
children, git included), which moves less on a shared machine. ``--instructions`` adds the
cold-start figures in instructions executed (valgrind's callgrind, children not traced):
they do not move with the machine's load or clock, so two versions can be compared on a
busy machine.

New processes run with Python's bytecode cache (in a temporary ``PYTHONPYCACHEPREFIX``), as
an installed package has it (pip compiles at install): from a source checkout with
``PYTHONDONTWRITEBYTECODE`` set, each start compiles our modules again; that cold start is
printed too.

Usage: python benchmarks/verify_bench.py [--files 400] [--drafts 20] [--refs 50]
       [--repo DIR --base REV | --source DIR] [--seed 1] [--json]
       python benchmarks/verify_bench.py --folder [--drafts 200] [--seed 1] [--json]
       [--instructions]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reasondraft.refs import cited_paths
from reasondraft.repo import GitRepo, RepoView
from reasondraft.verify import VerifyContext, check_body
from reasondraft.verify.symbols import parse_python


def synthetic_module(index: int, rng: random.Random) -> str:
    """A plausible module of typical size (median Python module: ~250 lines)."""
    rows = [f'"""Module {index}: generated for the verify benchmark."""', "import os", "",
            f"LIMIT_{index} = {index}", ""]
    for c in range(rng.randint(3, 6)):
        rows += ["", f"class Widget{index}x{c}:", '    """A widget."""', "", "    size = 3"]
        for m in range(rng.randint(3, 7)):
            rows += ["", f"    def method_{m}(self, value):",
                     f'        """Method {m}: returns a total."""', f"        total = value + {m}",
                     "        for item in range(total):", "            if item % 3:",
                     "                total += item * 2", "            else:",
                     "                total -= 1", "        return total"]
    for f in range(rng.randint(2, 5)):
        rows += ["", "", f"def function_{f}(a, b):", "    if a > b:", "        return a - b",
                 f"    return b - a + {f}"]
    return "\n".join(rows) + "\n"


def commit_all(repo: Path) -> str:
    """Make ``repo`` a git repository holding its files in one commit; that commit's id."""
    git = ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=b@x.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def build_repo(root: Path, files: int, rng: random.Random,
               source: Path | None = None) -> tuple[Path, str]:
    """A git repository of synthetic modules (or of the .py files under ``source``)."""
    repo = root / "repo"
    originals = sorted(source.rglob("*.py"))[:files] if source else []
    for i in range(len(originals) if source else files):
        if source:
            path = repo / originals[i].relative_to(source)
            text = originals[i].read_text(encoding="utf-8", errors="replace")
        else:
            path = repo / f"pkg{i % 7}" / f"sub{i % 13}" / f"module_{i}.py"
            text = synthetic_module(i, rng)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return repo, commit_all(repo)


def make_drafts(view: RepoView, drafts: int, refs: int, rng: random.Random) -> list[str]:
    """Drafts whose references are all correct, spread over the repository's Python files."""
    paths = [p for p in view.files() if p.endswith(".py") and view.lines(p)]
    bodies = []
    for d in range(drafts):
        parts = [f"## Summary\n\nDraft {d} for the benchmark.\n"]
        for k in range(refs):
            path = rng.choice(paths)
            lines = view.lines(path) or ()
            start = rng.randint(1, len(lines))
            end = min(len(lines), start + rng.randint(0, 5))
            roll = rng.random()
            symbols = list(parse_python("\n".join(lines)) or ()) if 0.55 <= roll < 0.85 else []
            if 0.35 <= roll < 0.55 and any(line.strip() for line in lines[start - 1:end]):
                quoted = "\n".join(lines[start - 1:end])
                parts.append(f"Step {k} reads this:\n\n```quote {path}#L{start}-L{end}\n"
                             f"{quoted}\n```\n")
            elif 0.55 <= roll < 0.85 and symbols:
                parts.append(f"Step {k}: the definition [[{path}::{rng.choice(symbols)}]] "
                             "matters here.\n")
            elif roll >= 0.85:
                parts.append(f"Step {k}: the whole file [[{path}]].\n")
            else:
                parts.append(f"Step {k}: the code at [[{path}#L{start}-L{end}]] does it.\n")
        bodies.append("\n".join(parts))
    return bodies


def run_in_process(repo: Path, base: str, bodies: list[str]) -> tuple[float, int, int, set]:
    """(seconds, references, findings, blob ids read) for one cold run over all drafts."""
    with GitRepo(repo) as git:
        blobs: set[bytes] = set()
        read = git.blob

        def recording(binsha: bytes) -> bytes:
            blobs.add(binsha)
            return read(binsha)

        git.blob = recording  # type: ignore[method-assign]
        start = time.perf_counter()
        ctx = VerifyContext(RepoView(git, base))
        reports = [check_body(body, ctx) for body in bodies]
        elapsed = time.perf_counter() - start
    references = sum(len(r.citations) for r in reports)
    findings = sum(len(r.findings) for r in reports)
    return elapsed, references, findings, blobs


def cat_file_floor(repo: Path, blobs: set[bytes], repeat: int = 5) -> float:
    """Best time of a raw pipelined ``git cat-file --batch`` reading exactly these blobs."""
    request = "".join(f"{b.hex()}\n" for b in blobs).encode()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=request,
                             capture_output=True, check=True).stdout
        times.append(time.perf_counter() - start)
        assert out.count(b" blob ") >= len(blobs)
    return min(times)


def cli_wall_time(repo: Path, base: str, body: str, root: Path, repeat: int = 5) -> float:
    """Median wall time of ``reasondraft verify`` on one draft, each run a new process."""
    draft = root / "draft.md"
    draft.write_text(f"---\nbase_commit: {base}\nrepo_path: {repo}\n---\n{body}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "reasondraft", "verify", str(draft),
                                 "--json"], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"verify failed ({result.returncode}): {result.stderr.strip()}")
    return statistics.median(times)


# -- the folder of real-shape drafts ----------------------------------------------------------

LIBRARIES = "import typer, rich.console, git, pydantic, yaml, markdown_it, unidiff"
WITH_MODELS = LIBRARIES + "; from pydantic import BaseModel, Field"
TEST_FILES, CLASSES, METHODS = 12, 12, 24


TEST_ID = re.compile(r"\[\[test:([^\]]+)\]\]")


def synthetic_test_module(index: int) -> str:
    """A large test file (~3,000 lines): classes of test methods with setup and helpers."""
    rows = [f'"""Tests of module {index}."""', "import unittest", "",
            f"from pkg0.sub0.module_{index} import function_0", ""]
    for c in range(CLASSES):
        rows += ["", f"class TestWidget{c}(unittest.TestCase):", "    def setUp(self):",
                 "        self.items = [1, 2, 3]", ""]
        for m in range(METHODS):
            rows += [f"    def test_case_{m}(self):", f'        """Case {m} of class {c}."""',
                     f"        value = function_0({m}, {c})",
                     "        for item in self.items:", "            value += item",
                     f"        self.assertEqual(value - {m}, value - {m})", ""]
    return "\n".join(rows) + "\n"


def build_folder_repo(root: Path, rng: random.Random) -> tuple[Path, str]:
    """Source modules plus large test files, committed."""
    repo = root / "repo"
    for i in range(60):
        path = repo / f"pkg{i % 7}" / f"sub{i % 13}" / f"module_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(synthetic_module(i, rng), encoding="utf-8")
    (repo / "tests").mkdir()
    for i in range(TEST_FILES):
        (repo / "tests" / f"test_module_{i}.py").write_text(synthetic_test_module(i))
    return repo, commit_all(repo)


def test_patch(view: RepoView, path: str, number: int) -> str:
    """The instance's test patch: a test method added at the end of a large test file (what
    SWE-bench's hidden FAIL_TO_PASS tests are)."""
    lines = view.lines(path) or ()
    context = "".join(f" {line}\n" for line in lines[-3:])
    added = [f"    def test_added_{number}(self):", '        """Added by the test patch."""',
             "        self.assertTrue(self.items)"]
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -{len(lines) - 2},3 +{len(lines) - 2},6 @@\n{context}"
            + "".join(f"+{line}\n" for line in added))


def real_shape_body(view: RepoView, rng: random.Random, number: int, added: str) -> str:
    """A draft of about ten references, as drafted traces cite: the FAIL_TO_PASS test the
    test patch adds, tests of the suite, code."""
    sources = [p for p in view.files() if p.startswith("pkg")]
    parts = [f"## Summary\n\nTask {number}: [[test:{added}]] fails before the fix.\n"]
    for k in range(3):
        test = (f"tests/test_module_{rng.randrange(TEST_FILES)}.py::"
                f"TestWidget{rng.randrange(CLASSES)}::test_case_{rng.randrange(METHODS)}")
        parts.append(f"## Step {k + 1}: run a test\n\nThe test [[test:{test}]] fails.\n")
    for _ in range(3):
        path = rng.choice(sources)
        lines = view.lines(path) or ()
        start = rng.randint(1, len(lines) - 6)
        parts.append(f"The code at [[{path}#L{start}-L{start + rng.randint(0, 5)}]] does it.\n")
    path = rng.choice(sources)
    symbols = list(parse_python("\n".join(view.lines(path) or ())) or ())
    parts.append(f"It is defined in [[{path}::{rng.choice(symbols)}]].\n")
    path = rng.choice(sources)
    lines = view.lines(path) or ()
    start = rng.choice([n for n in range(1, len(lines)) if lines[n - 1].strip()])
    quoted = "\n".join(lines[start - 1:start + 1])
    parts.append(f"```quote {path}#L{start}-L{start + 1}\n{quoted}\n```\n")
    parts.append(f"The whole module [[{rng.choice(sources)}]] is small.\n")
    return "\n".join(parts)


def build_folder(root: Path, repo: Path, base: str, drafts: int,
                 rng: random.Random) -> tuple[Path, set[bytes]]:
    """``drafts`` task folders (task.json with a test patch, draft.md), and the ids of the
    blobs their references cite (what a verify of them must read at least)."""
    folder = root / "drafts"
    cited: set[bytes] = set()
    with GitRepo(repo) as git:
        view = RepoView(git, base)
        tree = git.tree(view.base_commit)
        for d in range(drafts):
            path = f"tests/test_module_{rng.randrange(TEST_FILES)}.py"
            added = f"{path}::TestWidget{CLASSES - 1}::test_added_{d}"
            body = real_shape_body(view, rng, d, added)
            task = folder / f"task_{d}"
            task.mkdir(parents=True)
            (task / "task.json").write_text(json.dumps({
                "instance_id": f"task_{d}", "repo": "bench/bench", "base_commit": base,
                "FAIL_TO_PASS": [added], "PASS_TO_PASS": [],
                "test_patch": test_patch(view, path, d)}))
            (task / "draft.md").write_text(
                f"---\nbase_commit: {base}\nrepo_path: {repo}\n---\n{body}", encoding="utf-8")
            for path in set(cited_paths(body)) | {ref.split("::")[0] for ref in
                                             TEST_ID.findall(body)}:
                entry = tree.get(path)
                if entry is not None:
                    cited.add(entry.binsha)
    return folder, cited


def children_cpu() -> float:
    """User + system seconds of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


Run = tuple[list[str], dict[str, str], bytes | None]  # command, environment, stdin


def median_runs(runs: dict[str, Run], repeat: int = 5) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each command, each run a new process. The commands
    take turns, so a change in the machine's load hits all of them alike; the first round,
    which fills the bytecode and OS caches, is not counted."""
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(repeat + 1):
        for name, (command, env, stdin) in runs.items():
            cpu, start = children_cpu(), time.perf_counter()
            result = subprocess.run(command, capture_output=True, input=stdin, env=env,
                                    check=False)
            if round_:
                walls[name].append(time.perf_counter() - start)
                cpus[name].append(children_cpu() - cpu)
            if result.returncode not in (0, 1):
                raise SystemExit(f"{name} failed ({result.returncode}): "
                                 f"{result.stderr.decode(errors='replace')}")
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]))
            for name in runs}


def cached_env(root: Path) -> dict[str, str]:
    """The environment with Python's bytecode cache on (in ``root``), as after pip install."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    return env


TYPER_FLOOR = """
from pathlib import Path
import typer, rich.console, git, pydantic, yaml, markdown_it, unidiff
app = typer.Typer()
@app.command()
def verify(paths: list[Path], as_json: bool = typer.Option(False, "--json")) -> None: ...
@app.command()
def other() -> None: ...
app()
"""


def instructions(command: list[str], env: dict[str, str]) -> int:
    """Instructions one run of ``command`` executes (callgrind's count; its children, git,
    not traced). Deterministic but for hash seeds, so the seed is fixed."""
    subprocess.run(command, env=env, capture_output=True, check=False)  # fill the caches
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                             *command], env={**env, "PYTHONHASHSEED": "0"},
                            capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"valgrind failed: {result.stderr.strip()[-300:]}")
    return int(found.group(1))


def example_folder(root: Path) -> Path:
    """The bundled example task drafted as ``reasondraft demo`` drafts it (the fixture
    model, offline): a format-2 trace with a trajectory."""
    from reasondraft.draft.demo import run_demo

    return run_demo(root / "demo")[1].folder


def folder_figures(drafts: int, seed: int, *,
                   count_instructions: bool = False) -> dict[str, float | int]:
    """The folder workload's figures (see the module docstring)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo, base = build_folder_repo(root, rng)
        folder, blobs = build_folder(root, repo, base, drafts, rng)
        example = example_folder(root)
        env = cached_env(root)
        verify = [sys.executable, "-m", "reasondraft", "verify"]
        in_process = []
        for _ in range(3):  # each run a new process: imports outside the measured time
            result = subprocess.run([sys.executable, "-c", IN_PROCESS, str(folder)], env=env,
                                    capture_output=True, text=True, check=True)
            in_process.append(json.loads(result.stdout))
        best = min(in_process, key=lambda r: r["seconds"])
        request = "".join(f"{b.hex()}\n" for b in blobs).encode()
        runs: dict[str, Run] = {
            "whole": ([*verify, str(folder), "--json"], env, None),
            "cold": ([*verify, str(folder / "task_0"), "--json"], env, None),
            "uncached": ([*verify, str(folder / "task_0"), "--json"],
                         {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, None),
            "imports": ([sys.executable, "-c", LIBRARIES], env, None),
            "models": ([sys.executable, "-c", WITH_MODELS], env, None),
            "typer": ([sys.executable, "-c", TYPER_FLOOR, "verify", str(folder)], env, None),
            "example": ([*verify, str(example), "--json"], env, None),
            "cat-file": (["git", "-C", str(repo), "cat-file", "--batch"], env, request)}
        timed = median_runs(runs)
        whole, cold, uncached, imports, models, typer_floor, drafted = (
            timed[name] for name in ("whole", "cold", "uncached", "imports", "models", "typer",
                                     "example"))
        floor, floor_cpu = cat_file_floor(repo, blobs), timed["cat-file"][1]
        counted = {name: instructions(runs[name][0], env)
                   for name in ("imports", "models", "typer", "cold", "example")
                   if count_instructions}
    return {
        "drafts": drafts, "references": best["references"], "findings": best["findings"],
        "distinct_blobs": len(blobs),
        "references_per_second": round(best["references"] / best["seconds"]),
        "references_per_cpu_second": round(best["references"] / best["cpu_seconds"]),
        "in_process_seconds": round(best["seconds"], 3),
        "in_process_cpu_seconds": round(best["cpu_seconds"], 3),
        "whole_run_seconds": round(whole[0], 3), "whole_run_cpu_seconds": round(whole[1], 3),
        "cat_file_floor_seconds": round(floor, 4),
        "cat_file_floor_cpu_seconds": round(floor_cpu, 4),
        "import_floor_seconds": round(imports[0], 3),
        "import_floor_cpu_seconds": round(imports[1], 3),
        "ratio_to_floor": round(whole[0] / (floor + imports[0]), 2),
        "cpu_ratio_to_floor": round(whole[1] / (floor_cpu + imports[1]), 2),
        "cold_start_seconds": round(cold[0], 3), "cold_start_cpu_seconds": round(cold[1], 3),
        "cold_start_ratio": round(cold[0] / imports[0], 2),
        "cold_start_cpu_ratio": round(cold[1] / imports[1], 2),
        "cold_start_uncached_seconds": round(uncached[0], 3),
        "models_floor_seconds": round(models[0], 3),
        "models_floor_cpu_seconds": round(models[1], 3),
        "cold_start_models_ratio": round(cold[0] / models[0], 2),
        "cold_start_models_cpu_ratio": round(cold[1] / models[1], 2),
        "example_cold_start_seconds": round(drafted[0], 3),
        "example_cold_start_cpu_seconds": round(drafted[1], 3),
        "example_cold_start_ratio": round(drafted[0] / imports[0], 2),
        "example_cold_start_models_ratio": round(drafted[0] / models[0], 2),
        "example_cold_start_models_cpu_ratio": round(drafted[1] / models[1], 2),
        "typer_floor_seconds": round(typer_floor[0], 3),
        "typer_floor_cpu_seconds": round(typer_floor[1], 3),
        "typer_floor_cpu_ratio": round(typer_floor[1] / imports[1], 2),
        **{f"{name}_instructions": count for name, count in counted.items()}}


IN_PROCESS = """
import json, sys, time
from pathlib import Path
from reasondraft.verify import verify_paths
cpu, start = time.process_time(), time.perf_counter()
reports = verify_paths([Path(sys.argv[1])])
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu,
                  "references": sum(r.summary["references"] for r in reports),
                  "findings": sum(len(r.findings) for r in reports)}))
"""


def print_folder(figures: dict[str, float | int]) -> None:
    ms = {k: f"{v * 1000:.0f} ms" for k, v in figures.items() if k.endswith("seconds")}
    print(f"{figures['references']} references in {figures['drafts']} task folders over "
          f"{figures['distinct_blobs']} cited blobs ({figures['findings']} findings: "
          "should be 0)")
    print(f"after start-up (in-process): {ms['in_process_seconds']} = "
          f"{figures['references_per_second']:,} references/s (target >= 5,000); CPU "
          f"{ms['in_process_cpu_seconds']} = {figures['references_per_cpu_second']:,}/s")
    print(f"whole run (reasondraft verify FOLDER): {ms['whole_run_seconds']}; floor: cat-file "
          f"{ms['cat_file_floor_seconds']} + imports {ms['import_floor_seconds']}; ratio "
          f"{figures['ratio_to_floor']} (target <= 3); CPU {ms['whole_run_cpu_seconds']} "
          f"against {ms['cat_file_floor_cpu_seconds']} + {ms['import_floor_cpu_seconds']}: "
          f"{figures['cpu_ratio_to_floor']}")
    print(f"import floors: the import statements {ms['import_floor_seconds']} (CPU "
          f"{ms['import_floor_cpu_seconds']}); with pydantic's models loaded "
          f"{ms['models_floor_seconds']} (CPU {ms['models_floor_cpu_seconds']})")
    print(f"cold start, one draft: {ms['cold_start_seconds']}; "
          f"{figures['cold_start_ratio']}x the import floor, "
          f"{figures['cold_start_models_ratio']}x with models (target <= 1.5); CPU "
          f"{ms['cold_start_cpu_seconds']}: {figures['cold_start_cpu_ratio']}x, "
          f"{figures['cold_start_models_cpu_ratio']}x "
          f"(source checkout, PYTHONDONTWRITEBYTECODE: {ms['cold_start_uncached_seconds']})")
    print(f"cold start, the example's format-2 draft: {ms['example_cold_start_seconds']}; "
          f"{figures['example_cold_start_ratio']}x the import floor, "
          f"{figures['example_cold_start_models_ratio']}x with models; CPU "
          f"{ms['example_cold_start_cpu_seconds']}: "
          f"{figures['example_cold_start_models_cpu_ratio']}x with models")
    print(f"typer floor (a typer command taking a path, same imports): "
          f"{ms['typer_floor_seconds']}; CPU {ms['typer_floor_cpu_seconds']}: "
          f"{figures['typer_floor_cpu_ratio']}x the import floor")
    if "cold_instructions" in figures:
        count = {k.removesuffix("_instructions"): v for k, v in figures.items()
                 if k.endswith("_instructions")}
        floor, models = count["imports"], count["models"]
        print("instructions (millions): import floor "
              f"{floor / 1e6:.0f}, with models {models / 1e6:.0f}, typer floor "
              f"{count['typer'] / 1e6:.0f} ({count['typer'] / floor:.2f}x)")
        for name, label in (("cold", "one draft"), ("example", "the example's draft")):
            print(f"  cold start, {label}: {count[name] / 1e6:.0f}: "
                  f"{count[name] / floor:.2f}x the import floor, "
                  f"{count[name] / models:.2f}x with models")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=400, help="synthetic repository size")
    parser.add_argument("--drafts", type=int, help="drafts (default: 20; --folder: 200)")
    parser.add_argument("--refs", type=int, default=50, help="references per draft")
    parser.add_argument("--repo", type=Path, help="use this repository instead")
    parser.add_argument("--source", type=Path,
                        help="build the repository from the .py files under this folder")
    parser.add_argument("--base", default="HEAD", help="with --repo: the commit to cite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--folder", action="store_true",
                        help="the folder of real-shape drafts workload (--drafts: 200)")
    parser.add_argument("--instructions", action="store_true",
                        help="with --folder: count the cold starts' instructions (valgrind)")
    args = parser.parse_args()
    if args.folder:
        figures = folder_figures(args.drafts or 200, args.seed,
                                 count_instructions=args.instructions)
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            print_folder(figures)
        return
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo, base = ((args.repo, args.base) if args.repo
                      else build_repo(root, args.files, rng, args.source))
        with GitRepo(repo) as git:
            view = RepoView(git, base)
            base = view.base_commit
            bodies = make_drafts(view, args.drafts or 20, args.refs, rng)
        run_in_process(repo, base, bodies)  # warm-up: imports, regex compilation, OS cache
        runs = [run_in_process(repo, base, bodies) for _ in range(3)]
        elapsed, references, findings, blobs = min(runs, key=lambda r: r[0])
        floor = cat_file_floor(repo, blobs)
        wall = cli_wall_time(repo, base, bodies[0], root)
    figures = {
        "drafts": len(bodies), "references": references, "findings": findings,
        "distinct_blobs": len(blobs), "seconds_in_process": round(elapsed, 4),
        "references_per_second": round(references / elapsed),
        "cat_file_floor_seconds": round(floor, 4), "ratio_to_floor": round(elapsed / floor, 2),
        "cli_one_draft_seconds": round(wall, 3),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{references} references in {len(bodies)} drafts over {len(blobs)} blobs "
          f"({findings} findings: should be 0)")
    print(f"in-process, after warm-up: {elapsed * 1000:.1f} ms = "
          f"{figures['references_per_second']:,} references/s")
    print(f"floor (git cat-file --batch, same blobs): {floor * 1000:.1f} ms; "
          f"ratio {figures['ratio_to_floor']}")
    print(f"reasondraft verify, one draft, new process: {wall * 1000:.0f} ms (median)")


if __name__ == "__main__":
    main()
