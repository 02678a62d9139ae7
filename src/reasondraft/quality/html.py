"""``report --html FILE``: the batch's figures as one self-contained page of plots.

Plots are inline SVG written here (no script, no stylesheet or font from elsewhere, no
external URL): the page opens offline and from an archive. Every text that comes from the
batch (rubric items, codes, section headings, names) is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from reasondraft.files import atomic_write
from reasondraft.quality.batch import SCORE_VALUES, BatchReport

BAR_HEIGHT = 18
LABEL_WIDTH = 220
LABEL_CHARS = 34  # what fits in LABEL_WIDTH at 12px; the full label is the tooltip
PLOT_WIDTH = 360
# Score 1 (worst) to 4 (best), and one colour per single-series plot.
SCORE_COLOURS = ("#c0392b", "#e67e22", "#7fb3d5", "#1e8449")
COLOUR = "#2e86c1"
STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
         "h2{margin-top:2em;font-size:1.1em}svg text{font-size:12px}"
         "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}"
         ".na{color:#888}")


def _text(x: float, y: float, text: str, *, anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{escape(text)}</text>')


def bars(rows: list[tuple[str, list[float]]], *, scale: float,
         colours: tuple[str, ...] = (COLOUR,), unit: str = "") -> str:
    """Horizontal bars, one per (label, stacked values); ``scale`` is the value of a full
    bar. Each bar is labelled with its total."""
    if not rows:
        return '<p class="na">n/a: no data</p>'
    height = len(rows) * (BAR_HEIGHT + 6) + 6
    parts = [f'<svg width="{LABEL_WIDTH + PLOT_WIDTH + 80}"'
             f' height="{height}" role="img">']
    for i, (label, values) in enumerate(rows):
        y = 6 + i * (BAR_HEIGHT + 6)
        shown = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "\u2026"
        parts.append(f"<g><title>{escape(label)}</title>"
                     + _text(LABEL_WIDTH - 6, y + BAR_HEIGHT / 2, shown, anchor="end") + "</g>")
        x = float(LABEL_WIDTH)
        for j, value in enumerate(values):
            width = PLOT_WIDTH * value / scale if scale else 0.0
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT}" fill="{colours[j % len(colours)]}">'
                         f'<title>{escape(f"{label}: {value:g}{unit}")}</title></rect>')
            x += width
        total = sum(values)
        parts.append(_text(x + 4, y + BAR_HEIGHT / 2, f"{total:g}{unit}"))
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    return "<p>" + " ".join(
        f'<span style="color:{c}">&#9632;</span> {v}' for v, c in zip(SCORE_VALUES,
                                                                       SCORE_COLOURS,
                                                                       strict=True)) + "</p>"


def _score_rows(scores: dict[str, Any]) -> list[tuple[str, list[float]]]:
    return [(f"{item} (mean {s['mean']})", [float(s["counts"][str(v)]) for v in SCORE_VALUES])
            for item, s in scores.items()]


def _per_person(groups: dict[str, Any], title: str) -> list[str]:
    """Per author or reviewer: decisions, then their score distribution per item."""
    parts = [f"<h2>{escape(title)}</h2>",
             bars([(name, [float(g["approved"]), float(g["rejected"])])
                   for name, g in groups.items()],
                  scale=max([g["decisions"] for g in groups.values()], default=0),
                  colours=(SCORE_COLOURS[3], SCORE_COLOURS[0])),
             "<p>green: approved, red: rejected</p>"]
    for name, g in groups.items():
        if g["scores"]:
            parts += [f"<h3>{escape(name)}: rubric scores</h3>",
                      bars(_score_rows(g["scores"]), scale=max(
                          s["n"] for s in g["scores"].values()), colours=SCORE_COLOURS)]
    return parts


def _na(value: object) -> str:
    return "n/a" if value is None else escape(str(value))


def page(result: BatchReport) -> str:
    """The whole page."""
    f = result.figures
    status = [(name, [float(n)]) for name, n in f["status"].items() if n]
    checks = f["checks"] or {}
    agreement = f["agreement"]
    summary = [
        ("drafts", f["drafts"]), ("reviewed", f["reviewed"]),
        ("approved at first review", f["approved_at_first_review"]),
        ("rework rate", f["rework_rate"]), ("mean edit rate", f["edit_rate"]["mean"]),
        ("median hours to first decision", None
         if f["time_to_decision"]["first_decision"]["median_seconds"] is None
         else round(f["time_to_decision"]["first_decision"]["median_seconds"] / 3600, 2)),
        ("Krippendorff's alpha (scores)", agreement["scores"]["alpha"]),
        ("pairs of traces compared", agreement["traces"]["pairs"])]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(f'reasondraft report: {result.directory}')}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(f'Quality of {result.directory}')}</h1>",
        "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{_na(v)}</td></tr>"
                            for k, v in summary) + "</table>",
        "<h2>Drafts by status</h2>", bars(status, scale=max(f["drafts"], 1)),
        "<h2>Rubric scores per item (how often each score was given)</h2>", _legend(),
        bars(_score_rows(f["scores"]), scale=max([s["n"] for s in f["scores"].values()],
                                                 default=0), colours=SCORE_COLOURS),
        "<h2>Reject codes</h2>",
        bars([(code, [float(n)]) for code, n in f["reject_codes"].items()],
             scale=max(f["reject_codes"].values(), default=0)),
        *_per_person(f["by_author"], "Per author"),
        *_per_person(f["by_reviewer"], "Per reviewer"),
        "<h2>Edit rate per section (mean, %)</h2>",
        bars([(name, [round(100 * s["mean_edit_rate"], 1)])
              for name, s in f["by_section"].items() if s["mean_edit_rate"] is not None],
             scale=100, unit="%"),
        "<h2>Edit rate per model and prompt (mean, %)</h2>",
        bars([(f"{m['model']} {m['prompt']}", [round(100 * m["mean_edit_rate"], 1)])
              for m in f["by_model"] if m["mean_edit_rate"] is not None], scale=100, unit="%"),
        "<h2>Verify checks: share of items passing (%)</h2>",
        bars([(name, [round(100 * c["share"], 1)]) for name, c in checks.items()
              if c["share"] is not None], scale=100, unit="%") if f["checks"] is not None
        else '<p class="na">n/a: not verified (report --verify)</p>',
        "<h2>Agreement between traces of one instance (compare, mean)</h2>",
        bars([(name, [v]) for name, v in agreement["traces"]["figures"].items()
              if v is not None], scale=1.0),
        "<h2>All figures (report --json)</h2>",
        f"<pre>{escape(json.dumps(result.to_json(), indent=1, ensure_ascii=False))}</pre>",
        "</body></html>\n"]
    return "\n".join(parts)


def write_html(result: BatchReport, path: Path) -> None:
    atomic_write(path, page(result))
