"""Terminal output of report, compare, plant and calibration (``--json`` prints each
to_json).

Paths, reviewer names, questions, test ids and options come from drafts and answer files:
they reach the terminal only through :func:`reasondraft.termtext.safe`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from reasondraft.quality.batch import BatchReport
from reasondraft.quality.calibration import ALL, Calibration
from reasondraft.quality.compare import FIGURES, Comparison
from reasondraft.quality.plant import KINDS, PlantResult
from reasondraft.review.report import DASH, age, count, percent
from reasondraft.termtext import safe


def _figure(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def render_comparison(result: Comparison, console: Console) -> None:
    """The figures, then each difference with what A and B hold there."""
    console.print(Text.assemble(("A ", "bold"), safe(result.a), ("\nB ", "bold"),
                                safe(result.b), "\n", safe(result.instance_id, "bold")),
                  soft_wrap=True)
    width = max(len(name) for name in FIGURES)
    for name in FIGURES:
        value = result.figures[name]
        line = Text(f"  {name.replace('_', ' '):<{width}}  {_figure(value)}",
                    style="" if value in (None, 1.0) else "yellow")
        if name == "cited_lines" and value not in (None, 1.0):
            line.append_text(safe("  (" + ", ".join(
                f"{file} {share:.2f}" for file, share in result.per_file.items() if share < 1)
                + ")"))
        console.print(line, soft_wrap=True)
    if result.agree:
        console.print("full agreement: no differences", style="bold green")
        return
    console.print(Text(count(len(result.differences), "difference"), style="bold"))
    for d in result.differences:
        console.print(Text.assemble(f"  {d.figure} · ", safe(f"{d.where}: {d.item}", "bold")),
                      soft_wrap=True)
        console.print(Text.assemble("    A: ", safe(d.a, one_line=True)), soft_wrap=True)
        console.print(Text.assemble("    B: ", safe(d.b, one_line=True)), soft_wrap=True)


def render_plant(result: PlantResult, console: Console) -> None:
    """Where the copies and the answers went; never which defect is where."""
    console.print(safe(f"planted {count(len(result.folders), 'draft')} in {result.out} "
                       f"(seed {result.seed}): " + ", ".join(result.folders), "bold"),
                  soft_wrap=True)
    console.print(safe(f"answers sealed in {result.answers} (readable by you only): keep "
                       "them from the reviewers"), soft_wrap=True)


def render_calibration(result: Calibration, console: Console) -> None:
    """Per reviewer, the catch rate per kind (caught of decided), then what is pending."""
    rates = result.rates()
    if not rates:
        console.print("no plant decided yet", style="bold")
    for reviewer, kinds in rates.items():
        total = kinds[ALL]
        console.print(Text.assemble(safe(reviewer, "bold", one_line=True),
                                    f": caught {total['caught']} of "
                                    f"{total['caught'] + total['missed']} "
                                    f"({total['rate']:.0%})"), soft_wrap=True)
        for kind in KINDS:
            if kind in kinds:
                k = kinds[kind]
                console.print(f"  {kind:<24} {k['rate']:.2f}  ({k['caught']}/"
                              f"{k['caught'] + k['missed']})", highlight=False)
    if result.pending:
        console.print(safe(f"{count(len(result.pending), 'plant')} pending (not decided, or "
                           "the approval no longer holds): " + ", ".join(
                               v.folder for v in result.pending), "yellow"), soft_wrap=True)


def _cell(value: object) -> str:
    return DASH if value is None else str(value)


def _row(*cells: str) -> str:
    return "  ".join(cells)


def render_batch(result: BatchReport, console: Console) -> None:
    """The report's figures, a block per question; names from drafts go through safe()."""
    f = result.figures
    status = ", ".join(f"{n} {name}" for name, n in f["status"].items() if n)
    console.print(safe(f"{count(f['drafts'], 'draft')} in {result.directory}: "
                       f"{status or 'none'}", "bold"), soft_wrap=True)
    console.print(f"reviewed {f['reviewed']}, approved at first review "
                  f"{f['approved_at_first_review']} ({percent(f['first_review_approval_rate'])})"
                  f", rework rate {percent(f['rework_rate'])}, {count(f['rounds'], 'round')}",
                  highlight=False)
    codes = ", ".join(f"{code} {n}" for code, n in f["reject_codes"].items())
    console.print(Text.assemble("reject codes: ", safe(codes or DASH, one_line=True)),
                  soft_wrap=True)  # codes come from records a person may have edited
    _scores_block(f["scores"], "rubric scores (1 2 3 4: how often; mean)", console)
    for kind in ("by_author", "by_reviewer"):
        for name, group in f[kind].items():
            console.print(Text.assemble(f"{kind.removeprefix('by_')} ",
                                        safe(name, "bold", one_line=True),
                                        f": {group['decisions']} decisions, "
                                        f"{group['approved']} approved, "
                                        f"{group['rejected']} rejected"), soft_wrap=True)
    edit = f["edit_rate"]
    console.print(f"edit rate: mean {percent(edit['mean'])}, median {percent(edit['median'])}",
                  highlight=False)
    for name, section in f["by_section"].items():
        console.print(Text.assemble("  ", safe(name, one_line=True),
                                    f": changed in {section['changed']} of "
                                    f"{section['drafts']}, mean "
                                    f"{percent(section['mean_edit_rate'])}"), soft_wrap=True)
    _checks_block(f["checks"], console)
    times = f["time_to_decision"]
    console.print(f"time to decision (median): first {age(_int(times['first_decision']))}, "
                  f"current {age(_int(times['last_decision']))} over {times['decided']} "
                  "decided", highlight=False)
    _agreement_block(f["agreement"], console)


def _int(times: dict[str, float | None]) -> int | None:
    value = times["median_seconds"]
    return None if value is None else int(value)


def _scores_block(scores: dict[str, Any], title: str, console: Console) -> None:
    console.print(title if scores else f"{title}: {DASH}", highlight=False)
    for item, s in scores.items():
        counts = " ".join(f"{s['counts'][v]:>3}" for v in s["counts"])
        console.print(Text.assemble("  ", safe(f"{item:<18}", one_line=True),
                                    f" {counts}  {_figure(s['mean'])}"), soft_wrap=True)


def _checks_block(checks: dict[str, Any] | None, console: Console) -> None:
    if checks is None:
        console.print("verify checks: - (not verified: report --verify)", highlight=False)
        return
    console.print("verify checks (passed of items):", highlight=False)
    for name, c in checks.items():
        console.print(f"  {name:<18} {c['passed']}/{c['items']}  {percent(c['share'])}",
                      highlight=False)


def _agreement_block(agreement: dict[str, Any], console: Console) -> None:
    scores, traces = agreement["scores"], agreement["traces"]
    console.print(f"score agreement (Krippendorff's alpha, ordinal): "
                  f"{_figure(scores['alpha'])} over "
                  f"{count(scores['bodies'], 'body', 'bodies')} scored by two or more reviewers",
                  highlight=False)
    for item, alpha in scores["alpha_per_item"].items():
        console.print(Text.assemble("  ", safe(item, one_line=True), f" {_figure(alpha)}"),
                      soft_wrap=True)
    console.print(f"trace agreement (compare): {count(traces['pairs'], 'pair')} of traces of "
                  "one instance" + (": " + ", ".join(
                      f"{name} {_figure(v)}" for name, v in traces["figures"].items())
                                    if traces["pairs"] else ""), highlight=False)
    for failed in traces["not_compared"]:
        console.print(safe(f"  not compared: {failed['a']} / {failed['b']}: {failed['error']}",
                           "yellow", one_line=True), soft_wrap=True)
