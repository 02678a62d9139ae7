"""Read every file of the shared trajectory corpus and compare with what is known about it.

Not part of the test suite (CI has no corpus). For each trajectory: the detected format,
the step count and the submission (byte-equal to the run's ``.model.diff`` where one is
given, absent otherwise). Files that are not trajectories (instances, diffs, predictions,
notes) must be refused with one line. Exit status 1 on any mismatch.

    python scripts/check_corpus.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reasondraft.errors import InputError
from reasondraft.trajectory import load_trajectory

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
OPENHANDS = "pallets__flask-4992/openhands-events__ergt10-GLM-4.6-FP8"

# path: (format, steps, file holding the submission, or None when the run has none).
# Steps: SWE-agent counts trajectory[] entries, mini-swe-agent its assistant messages,
# OpenHands the agent's actions other than `system` (events 0-97 of the session).
# pydicom's .model.diff (a .patch file in SWE-agent's repository) lost the trailing space
# of a blank context line, so its submission is compared with all_preds.jsonl instead.
EXPECTED: dict[str, tuple[str, int, str | None]] = {
    "psf__requests-2317/swe-agent-v0-multiagent__20240604_CodeR.traj.json":
        ("swe-agent", 96, "psf__requests-2317/swe-agent-v0-multiagent__20240604_CodeR.model.diff"),
    "pydicom__pydicom-1458/swe-agent-v0__gpt4-dev-easy-first-only.traj.json":
        ("swe-agent", 12,
         "pydicom__pydicom-1458/swe-agent-v0__gpt4-dev-easy-first-only.all_preds.jsonl"),
    "marshmallow-code__marshmallow-1867/swe-agent-v0__demo-default-install-from-source.traj.json":
        ("swe-agent", 14, "marshmallow-code__marshmallow-1867/"
                          "swe-agent-v0__demo-default-install-from-source.model.diff"),
    "marshmallow-code__marshmallow-1867/swe-agent-1x__demo-function-calling.traj.json":
        ("swe-agent", 11, "marshmallow-code__marshmallow-1867/"
                          "swe-agent-1x__demo-function-calling.model.diff"),
    "sqlfluff__sqlfluff-1625/mini-swe-agent-1.1__deepseek-chat-dev-pr816.traj.json":
        ("mini-swe-agent", 69,
         "sqlfluff__sqlfluff-1625/mini-swe-agent-1.1__deepseek-chat-dev-pr816.model.diff"),
    OPENHANDS: ("openhands", 46, None),
    f"{OPENHANDS}/event_cache/0-25.json": ("openhands", 10, None),
    f"{OPENHANDS}/event_cache/25-50.json": ("openhands", 12, None),
    f"{OPENHANDS}/event_cache/50-75.json": ("openhands", 13, None),
}


def not_trajectories(corpus: Path) -> list[Path]:
    """Every corpus file that is neither a trajectory nor inside the OpenHands session."""
    known = {corpus / name for name in EXPECTED}
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p not in known
                  and OPENHANDS not in p.as_posix())


def expected_submission(path: Path) -> str:
    """A diff file's text, or the ``model_patch`` of a predictions file's first row."""
    text = path.read_bytes().decode("utf-8")
    return json.loads(text.splitlines()[0])["model_patch"] if path.suffix == ".jsonl" else text


def check_trajectory(corpus: Path, name: str) -> bool:
    fmt, steps, diff = EXPECTED[name]
    try:
        traj = load_trajectory(corpus / name)
    except InputError as exc:
        print(f"FAIL {name}: {exc}")
        return False
    expected_sub = expected_submission(corpus / diff) if diff else None
    got = (traj.format, len(traj.steps), traj.submission is not None)
    ok = got == (fmt, steps, expected_sub is not None) and traj.submission == expected_sub
    sub = "identical" if traj.submission == expected_sub else "DIFFERS"
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {traj.format} {traj.format_version}, "
          f"{len(traj.steps)} steps (expected {fmt}, {steps}), submission "
          f"{'present' if traj.submission else 'absent'} ({sub} to "
          f"{Path(diff).suffix[1:] + ' file' if diff else 'none expected'})")
    return ok


def check_refused(path: Path, corpus: Path) -> bool:
    try:
        traj = load_trajectory(path)
    except InputError as exc:
        reason = str(exc).split(": ", 1)[-1]
        print(f"ok   {path.relative_to(corpus)}: refused ({reason[:90]})")
        return True
    print(f"FAIL {path.relative_to(corpus)}: read as {traj.format}, but it is no trajectory")
    return False


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    results = [check_trajectory(corpus, name) for name in EXPECTED]
    results += [check_refused(path, corpus) for path in not_trajectories(corpus)]
    failed = results.count(False)
    print(f"{len(results) - failed}/{len(results)} as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
