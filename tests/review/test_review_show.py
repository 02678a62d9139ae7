"""show: references expanded in place from both revisions, badges, safety, broken drafts."""

from __future__ import annotations

import io

from rich.console import Console

from reasondraft.review import approve
from reasondraft.review.show import show
from reasondraft.verify import verify_draft


def render(path, **options) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    for item in show(path, **options):
        console.print(item)
    return console.file.getvalue()


def test_references_from_both_revisions_are_expanded(task) -> None:
    out = render(task.folder)
    assert "calc__calc-1  draft  11 references, 0 errors, 0 warnings" in out
    base = out.index("✓ [[pkg/calc.py#L4-L5]]  pkg/calc.py @base L4-L5")
    assert out.index("return a - b", base) < out.index("[[pkg/calc.py#L5@patched]]", base)
    patched = out.index("✓ [[pkg/calc.py#L5@patched]]  pkg/calc.py @patched L5")
    assert "5     return a + b" in out[patched:patched + 200]
    test = out.index("✓ [[test:tests/test_calc.py::test_add]]")
    assert "def test_add():" in out[test:test + 400]
    step = out.index("✓ [[step:2]]")
    assert "step 2 test: pytest tests/test_calc.py" in out[step:step + 400]
    assert "FAILED tests/test_calc.py::test_add" in out[step:step + 600]
    assert "✓ [[pkg/calc.py::add]]  pkg/calc.py @base L4-L5" in out
    assert "(expanded above)" in out  # [[pkg/calc.py#L5@patched]] is cited three times
    assert "✓ ```quote pkg/calc.py#L5" in out


def test_findings_about_the_whole_draft_are_shown(task) -> None:
    """The header counted the uncited hunk's warning; the body showed it nowhere."""
    task.write_body("## Summary\n\nThe fix changes `add` (nothing cited).\n")
    general = verify_draft(task.draft).body.general
    assert "RD-C001" in {f.code for f in general}
    out = render(task.folder)
    assert f"about the whole draft ({len(general)}):" in out
    for f in general:
        assert f"{f.line:>7} {f.severity:<7} {f.code}" in out
        assert f.message[:60] in out


def test_body_lines_keep_their_draft_line_numbers(task) -> None:
    out = render(task.folder)
    number = task.draft.read_text().splitlines().index("## Step 2: Fix add") + 1
    assert f"{number} │ ## Step 2: Fix add" in out


def test_failed_references_get_an_error_badge(task) -> None:
    task.write_body(task.body().replace("[[pkg/calc.py#L4-L5]]", "[[pkg/calc.py#L40]]"))
    out = render(task.folder)
    assert "1 errors" in out
    assert "✗ [[pkg/calc.py#L40]]" in out
    assert "RD-L001" in out


def test_markup_in_the_draft_is_printed_as_typed(task) -> None:
    task.write_body(task.body().replace("subtracts;", "subtracts [bold red]x[/] [link=a]b[/link];"))
    out = render(task.folder)
    assert "[bold red]x[/] [link=a]b[/link]" in out
    assert "[bold red]x[/]" in render(task.folder, expand=False)


def test_modified_since_approval_is_shown(task) -> None:
    approve(task.folder, "alice")
    assert "approved by alice" in render(task.folder)
    task.write_body(task.body() + "\nMore.\n")
    out = render(task.folder)
    assert "calc__calc-1  modified" in out
    assert "modified since approval" in out


def test_broken_front_matter_still_shows_with_a_warning(task, project) -> None:
    task.draft.write_text(task.draft.read_text().replace("status: draft", "status: [draft"))
    out = " ".join(render(task.folder).split())  # long paths wrap
    assert "broken" in out
    assert "front matter is not valid YAML" in out
    assert "references not expanded" in out
    assert "## Step 2: Fix add" in out
    from reasondraft.verify import Sources

    expanded = render(task.folder, sources=Sources(repo=project.repo))
    assert "return a + b" in expanded


def test_no_expand_is_the_plain_draft(task, cli) -> None:
    result = cli("show", task.folder, "--no-expand")
    assert result.exit_code == 0, result.output
    assert task.body().strip() in result.stdout
    assert "│" not in result.stdout
    expanded = cli("show", task.folder, "--no-pager")
    assert expanded.exit_code == 0
    assert "return a + b" in expanded.stdout
    paged = cli("show", task.folder, "--pager")  # not a terminal: the pager just prints
    assert paged.exit_code == 0
    assert "return a + b" in paged.stdout


def test_review_commands_do_not_import_the_llm_stack(task, heavy_modules_after) -> None:
    folder = str(task.folder)
    assert heavy_modules_after(["show", folder], ["status", folder],
                               ["approve", folder, "--reviewer", "a"],
                               ["export", folder, "--out", str(task.folder / "x.jsonl")]) == []


def test_step_references_without_a_trajectory_are_all_marked_unchecked(task) -> None:
    (task.folder / "trajectory.json").unlink()
    out = render(task.folder)
    assert "11 references, 0 errors, 1 warnings" in out
    assert "RD-P003" in out
    assert "✓ [[step:" not in out
    assert out.count("? [[step:") == 3  # [[step:2]] twice, [[step:1]] once: none checked


def test_a_reference_cited_many_times_in_a_block_gets_one_badge(task) -> None:
    """50,000 references on one line: the scanner counted lines from the block start for
    each, and show printed a badge per citation (over two minutes for 100,000)."""
    count = 50_000
    task.write_body(task.body() + "\nAgain " + "[[pkg/calc.py#L5]] " * count
                    + "[[pkg/calc.py#L99]]\n")
    out = render(task.folder)
    assert f"{count + 11 + 1} references, 1 errors" in out
    assert f"✓ [[pkg/calc.py#L5]]  pkg/calc.py @base L5  ({count} times)" in out
    assert out.count("[[pkg/calc.py#L5]]  pkg/calc.py") == 1
    assert "✗ [[pkg/calc.py#L99]]" in out
    assert "RD-L001" in out
