"""How fast ``reasondraft serve`` answers: the task page of the example task and of the same
task with a 2,000-step trajectory, and the queue over 1,000 task folders.

Drafts the bundled example task once with the offline fixture model, then builds three
folders: the example alone; the example with its SWE-agent trajectory repeated to
``--steps`` steps (every step is on the page, in the Trajectory tab); and ``--drafts`` copies
in the mix of states ``status_bench.py`` makes. Each is served by ``reasondraft serve
--port 0 --no-open`` in a new process. Per page it prints, over ``--runs`` requests (the
first one cold: the server reads the git objects then), the time to first byte and to the
last byte with httpx, the page size, and -- when Chromium and chromedriver are installed --
the browser's full render (navigation start to the load event, from the Navigation Timing
API) in headless Chromium at 1280x800.

Usage: python benchmarks/serve_bench.py [--drafts 1000] [--steps 2000] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from status_bench import build, example_folder

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1280,800")


def long_trajectory(folder: Path, steps: int) -> None:
    """The folder's SWE-agent trajectory with its steps repeated up to ``steps``."""
    path = folder / "trajectory.traj"
    doc = json.loads(path.read_text())
    for key in ("trajectory", "history"):
        entries = doc[key]
        head = entries[:1] if key == "history" else []  # the system prompt, once
        body = entries[len(head):]
        want = steps * (2 if key == "history" else 1)
        doc[key] = head + (body * (want // len(body) + 1))[:want]
    path.write_text(json.dumps(doc))


@contextmanager
def server(root: Path) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "reasondraft", "serve", str(root),
                             "--port", "0", "--no-open"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def fetch(url: str) -> tuple[float, float, int]:
    """(seconds to the first byte, seconds to the last, bytes) of one GET."""
    started = time.perf_counter()
    with httpx.stream("GET", url, timeout=600) as response:
        chunks = response.iter_bytes()
        first = next(chunks, b"")
        ttfb = time.perf_counter() - started
        size = len(first) + sum(len(chunk) for chunk in chunks)
        response.raise_for_status()
    return ttfb, time.perf_counter() - started, size


def browser_render(url: str) -> float | None:
    """Seconds from navigation start to the load event in headless Chromium (None: no
    Chromium here)."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
        try:
            driver.set_page_load_timeout(600)
            driver.get(url)
            timing = driver.execute_script(
                "const t = performance.getEntriesByType('navigation')[0];"
                "return t.loadEventEnd - t.startTime;")
        finally:
            driver.quit()
    return round(timing / 1000, 3)


def measure(url: str, runs: int) -> dict[str, float | int | None]:
    results = [fetch(url) for _ in range(runs)]
    warm = results[1:] or results
    return {"cold_ttfb_s": round(results[0][0], 3), "cold_total_s": round(results[0][1], 3),
            "warm_ttfb_s": round(statistics.median(r[0] for r in warm), 3),
            "warm_total_s": round(statistics.median(r[1] for r in warm), 3),
            "bytes": results[0][2], "browser_render_s": browser_render(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict[str, dict[str, float | int | None]] = {}
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        work = Path(tmp)
        source = example_folder(work / "example")
        name = source.name
        one, long, many = work / "one", work / "long", work / "many"
        shutil.copytree(source, one / name)
        shutil.copytree(source, long / name)
        long_trajectory(long / name, args.steps)
        build(many, source, args.drafts, random.Random(args.seed))
        with server(one) as url:
            figures["example task page"] = measure(f"{url}task/{name}", args.runs)
        with server(long) as url:
            figures[f"task page, {args.steps}-step trajectory"] = measure(
                f"{url}task/{name}", args.runs)
        with server(many) as url:
            figures[f"queue, {args.drafts} folders"] = measure(url, args.runs)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for label, f in figures.items():
        render = "n/a" if f["browser_render_s"] is None else f"{f['browser_render_s']:.3f}s"
        print(f"{label}: {int(f['bytes'] or 0) / 1e6:.2f} MB; cold {f['cold_ttfb_s']:.3f}s to "
              f"first byte, {f['cold_total_s']:.3f}s to last; warm {f['warm_ttfb_s']:.3f}s / "
              f"{f['warm_total_s']:.3f}s; Chromium full render {render}")


if __name__ == "__main__":
    main()
