"""How fast ``verify`` is, and how close it gets to the cost of just reading the blobs.

Builds a synthetic Python repository (or takes ``--repo DIR --base REV``), writes N drafts of
M references each (line ranges, quote blocks, symbols, whole files; every one correct), and
prints:

- references verified per second, in-process, after a warm-up run (the measured run starts
  from a fresh repository object: tree listing and blob reads are included);
- the wall time of ``reasondraft verify`` on one draft in a new process (imports included);
- the ratio of the measured in-process time to the floor: a raw, pipelined
  ``git cat-file --batch`` reading the same blobs the run read.

Usage: python benchmarks/verify_bench.py [--files 400] [--drafts 20] [--refs 50]
       [--repo DIR --base REV | --source DIR] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    git = ["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=b@x.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                         text=True).stdout.strip()
    return repo, sha


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=400, help="synthetic repository size")
    parser.add_argument("--drafts", type=int, default=20)
    parser.add_argument("--refs", type=int, default=50, help="references per draft")
    parser.add_argument("--repo", type=Path, help="use this repository instead")
    parser.add_argument("--source", type=Path,
                        help="build the repository from the .py files under this folder")
    parser.add_argument("--base", default="HEAD", help="with --repo: the commit to cite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo, base = ((args.repo, args.base) if args.repo
                      else build_repo(root, args.files, rng, args.source))
        with GitRepo(repo) as git:
            view = RepoView(git, base)
            base = view.base_commit
            bodies = make_drafts(view, args.drafts, args.refs, rng)
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
