"""Mutate real trajectories at random and count the crashes that are not one-line errors.

Not part of the test suite (CI has no corpus; ``tests/test_fuzz.py`` does the same on the
project's own fixtures). Each mutation takes a trajectory of the corpus, replaces one node
of its JSON with a value of another type, truncates or nests it, or deletes a key, writes
it to a temporary file (for an OpenHands session folder: one event file of a copy), then
does what ``inspect --steps``, ``inspect --to atif`` and ``draft``'s packing do with it.
An :class:`InputError` is the promised outcome; anything else is a crash, counted by the
place it was raised from.

    python scripts/mutate_trajectories.py [--count 400] [--seed 1] [CORPUS_DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reasondraft.draft.context import LEVELS, render_trajectory
from reasondraft.errors import InputError
from reasondraft.trajectory import load_trajectory, summarize, to_atif

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
Path_ = tuple[str | int, ...]
READ, REFUSED = "read", "refused"


def nodes(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every node's path, the root included."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from nodes(child, (*path, index))


def shape(path: Path_) -> Path_:
    """The path with list indexes blurred, so each field counts once when choosing."""
    return tuple("*" if isinstance(p, int) else p for p in path)


def choose(doc: Any, rng: random.Random) -> Path_:
    """A node: half the time any node, else one of a randomly chosen field (so rare
    top-level keys are hit as often as the fields of the thousands of messages)."""
    paths = list(nodes(doc))
    if rng.random() < 0.5:
        return rng.choice(paths)
    by_shape: dict[Path_, list[Path_]] = {}
    for path in paths:
        by_shape.setdefault(shape(path), []).append(path)
    return rng.choice(by_shape[rng.choice(sorted(by_shape, key=repr))])


def other_value(old: Any, rng: random.Random) -> Any:
    """A value of another type (or a truncated or nested form of the old one)."""
    options: list[Any] = ["x", "", "/testbed/a.py", 0, -1, 1.5, 10**30, True, None, [], ["x"],
                          [{}], {}, {"x": 1}, {"role": "assistant"}, [[{"a": "b"}]]]
    if isinstance(old, str) and old:
        options += [old[: rng.randrange(len(old))], [old], {"text": old}]
    if isinstance(old, list) and old:
        options += [old[: rng.randrange(len(old))], old[0], [old], {"0": old}]
    if isinstance(old, dict):
        options += [list(old.values()), [old], json.dumps(old)]
    options += [[[[old]]], Deep(rng.choice([50, 800, 100_000]), old)]
    return rng.choice([o for o in options if type(o) is not type(old)] or options)


class Deep:
    """A value wrapped in lists ``depth`` deep: too deep for ``json.dumps``, so it is written
    as text in its place (see :func:`dump`)."""

    def __init__(self, depth: int, inner: Any) -> None:
        self.depth, self.inner = depth, inner


def dump(doc: Any) -> str:
    """``doc`` as JSON text, with each :class:`Deep` value spelled out."""
    deep: list[Deep] = []

    def mark(value: Any) -> str:
        deep.append(value)
        return f"@@deep{len(deep) - 1}@@"

    text = json.dumps(doc, default=mark)
    for index, value in enumerate(deep):
        text = text.replace(f'"@@deep{index}@@"',
                            "[" * value.depth + json.dumps(value.inner) + "]" * value.depth)
    return text


def mutate(doc: Any, rng: random.Random) -> tuple[Any, str]:
    """``doc`` changed at one node, and a description of the change."""
    path = choose(doc, rng)
    if not path:
        return other_value(doc, rng), "root replaced"
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if isinstance(parent, dict) and rng.random() < 0.15:
        del parent[key]
        return doc, f"{render(path)} deleted"
    new = other_value(parent[key], rng)
    parent[key] = new
    kind = f"list {new.depth} deep" if isinstance(new, Deep) else type(new).__name__
    return doc, f"{render(path)} := {kind}"


def render(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def exercise(path: Path) -> None:
    """What the commands do with a trajectory after reading it."""
    traj = load_trajectory(path)
    json.dumps(summarize(traj, with_steps=True))
    json.dumps(to_atif(traj))
    render_trajectory(traj, LEVELS[0])
    for step in traj.steps:
        str(step.action.arguments)


def site(exc: BaseException) -> str:
    """Where in reasondraft the exception came from (the innermost frame of ours)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "reasondraft" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    name = frame.filename.split("src/")[-1]
    return f"{type(exc).__name__} at {name}:{frame.lineno} ({frame.name})"


def sources(corpus: Path) -> list[Path]:
    """The trajectories of the corpus: ``*.traj.json`` files and OpenHands session folders."""
    files = sorted(corpus.glob("*/*.traj.json"))
    folders = sorted(p for p in corpus.glob("*/*") if (p / "events").is_dir())
    return files + folders


def trial(source: Path, rng: random.Random, tmp: Path) -> tuple[str, str]:
    """Mutate ``source`` once and exercise it: (what changed, outcome), the outcome being
    ``read``, ``refused`` or the crash site."""
    if source.is_dir():
        target = tmp / "session"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source / "events", target / "events")
        event = rng.choice(sorted((target / "events").glob("*.json")))
        doc, change = mutate(json.loads(event.read_text()), rng)
        event.write_text(dump(doc))
        change = f"events/{event.name}: {change}"
    else:
        target = tmp / "run.traj"
        doc, change = mutate(json.loads(source.read_text()), rng)
        text = dump(doc)
        if rng.random() < 0.05:
            text, change = text[: rng.randrange(len(text))], "file truncated"
        target.write_text(text)
    try:
        exercise(target)
    except InputError as exc:
        if "\n" in str(exc) or not str(exc).startswith(str(target)):
            return change, f"InputError not one line naming the file: {exc}"
        return change, REFUSED
    except Exception as exc:  # everything else is what this script looks for
        return change, site(exc)
    return change, READ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="Print each crash.")
    args = parser.parse_args()
    sys.setrecursionlimit(1000)  # as the CLI runs
    rng = random.Random(args.seed)
    found = sources(args.corpus)
    crashes: Counter[str] = Counter()
    fine: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.count):
            source = found[number % len(found)]
            change, outcome = trial(source, rng, Path(tmp))
            if outcome in (READ, REFUSED):
                fine[outcome] += 1
                continue
            crashes[outcome] += 1
            examples.setdefault(outcome, f"{source.name}: {change}")
            if args.verbose:
                print(f"{source.name}: {change}: {outcome}")
    print(f"{sum(crashes.values())} of {args.count} mutations crashed, "
          f"at {len(crashes)} distinct places ({fine[READ]} read, {fine[REFUSED]} refused "
          "with one line)")
    for crash, count in crashes.most_common():
        print(f"{count:4} {crash}\n     e.g. {examples[crash]}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
