"""Terminal output of compare, plant and calibration (``--json`` prints each to_json).

Paths, reviewer names, questions, test ids and options come from drafts and answer files:
they reach the terminal only through :func:`reasondraft.termtext.safe`.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from reasondraft.quality.calibration import ALL, Calibration
from reasondraft.quality.compare import FIGURES, Comparison
from reasondraft.quality.plant import KINDS, PlantResult
from reasondraft.review.report import DASH, count
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
