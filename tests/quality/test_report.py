"""report and export --format hf on a batch of the example task: three task folders of one
instance (the drafted trace, a hand-made variant, an untouched copy) reviewed with scores and
codes by two reviewers. The figures are counted by hand here; a figure without data is null;
the HTML page plots them without any external resource; the dataset folder loads with
``datasets`` and its card holds exactly ``report --json --verify``'s figures."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reasondraft.document import join_document, read_draft
from reasondraft.quality.batch import batch_report, section_name
from reasondraft.review.decide import approve, reject
from reasondraft.trace import Necessity, Trace

SCORES_A = {"correctness": 4, "faithfulness": 3, "concision": 2}
SCORES_B = {"correctness": 4, "faithfulness": 3, "concision": 3}


def _incidental(trace: Trace) -> None:
    trace.hunks[1].necessity = Necessity.INCIDENTAL


def _set_author(folder: Path, author: str) -> None:
    draft = read_draft(folder / "draft.md")
    (folder / "draft.md").write_text(join_document({**draft.front, "author": author},
                                                   draft.body), encoding="utf-8")


@pytest.fixture
def batch(example: Path, variant: Callable[..., Path], tmp_path: Path) -> Path:
    """first: approved by alice, then by bob (same body, both scored: double review);
    second: a variant (its Hunks edited, authored by carol), rejected by bob with two codes,
    then approved by alice; third: never reviewed."""
    root = tmp_path / "batch"
    first = shutil.copytree(example, root / example.name)
    second = variant(_incidental, f"batch/{example.name}__second")
    shutil.copytree(example, root / f"{example.name}__third")
    _set_author(second, "<i>carol</i>")
    assert approve(first, "alice", scores=SCORES_A).written
    assert approve(first, "bob", scores=SCORES_B, force=True).written
    assert reject(second, "bob", "the second hunk is needed",
                  codes=["misdescribed_change", "unsupported_claim"]).written
    assert approve(second, "alice", scores={"correctness": 3}, force=True).written
    return root


def test_the_figures_of_a_reviewed_batch(batch: Path) -> None:
    f = batch_report(batch).figures
    assert f["drafts"] == 3
    assert {k: v for k, v in f["status"].items() if v} == {"approved": 2, "draft": 1}
    assert (f["reviewed"], f["approved_at_first_review"], f["rounds"]) == (2, 1, 4)
    assert (f["first_review_approval_rate"], f["rework_rate"]) == (0.5, 0.5)
    assert f["reject_codes"] == {"misdescribed_change": 1, "unsupported_claim": 1}
    assert f["scores"]["correctness"] == {"counts": {"1": 0, "2": 0, "3": 1, "4": 2}, "n": 3,
                                          "mean": 3.6667}
    assert f["scores"]["concision"]["mean"] == 2.5
    bob = f["by_reviewer"]["bob"]
    assert (bob["decisions"], bob["approved"], bob["rejected"]) == (2, 1, 1)
    assert f["by_reviewer"]["alice"]["scores"]["correctness"]["n"] == 2
    carol = f["by_author"]["<i>carol</i>"]
    assert (carol["drafts"], carol["rework_rate"], carol["approved_at_first_review"]) == (1, 1.0,
                                                                                          0)
    assert f["by_section"]["Hunks"]["changed"] == 1
    assert f["by_section"]["Hunks"]["drafts"] == 3
    assert next(iter(f["by_section"])) == "Hunks"  # the most changed section comes first
    assert all(s["changed"] == 0 for name, s in f["by_section"].items() if name != "Hunks")
    assert f["edit_rate"]["mean"] > 0
    assert f["checks"] is None  # not verified: no figure, not a zero
    assert f["time_to_decision"]["decided"] == 2
    assert f["time_to_decision"]["first_decision"]["median_seconds"] >= 0


def test_agreement_on_scores_and_between_traces(batch: Path) -> None:
    agreement = batch_report(batch).figures["agreement"]
    scores = agreement["scores"]
    assert (scores["bodies"], scores["reviewers"]) == (1, ["alice", "bob"])
    assert scores["alpha"] is not None
    assert scores["alpha"] < 1  # they differ on concision
    # one body per item: a single unit, and for two items a single value: undefined
    assert scores["alpha_per_item"]["correctness"] is None
    traces = agreement["traces"]
    assert traces["pairs"] == 2  # each folder against the first
    assert traces["figures"]["hunks"] < 1
    assert traces["figures"]["outcome"] == 1.0
    assert traces["not_compared"] == []


def test_reviewers_in_full_agreement_give_alpha_one(example: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(example, tmp_path / "batch" / example.name)
    assert approve(folder, "alice", scores=SCORES_A).written
    assert approve(folder, "bob", scores=SCORES_A, force=True).written
    assert batch_report(tmp_path / "batch").figures["agreement"]["scores"]["alpha"] == 1.0


def test_a_batch_nobody_reviewed_has_no_rates(example: Path, tmp_path: Path) -> None:
    shutil.copytree(example, tmp_path / "batch" / example.name)
    f = batch_report(tmp_path / "batch").figures
    assert (f["reviewed"], f["rework_rate"], f["first_review_approval_rate"]) == (0, None, None)
    assert f["scores"] == {}
    assert f["agreement"]["scores"]["alpha"] is None
    assert f["time_to_decision"]["first_decision"]["median_seconds"] is None
    assert f["agreement"]["traces"]["pairs"] == 0


def test_steps_are_one_section() -> None:
    assert section_name("## Step 12: Fix add") == "Step"
    assert section_name("## Hunks") == "Hunks"


def test_cli_terminal_json_and_html(batch: Path, tmp_path: Path, cli) -> None:
    data = json.loads(cli("report", batch, "--json", "--verify").output)
    assert data["checks"]["references"]["share"] == 1.0
    assert data["checks"]["references"]["items"] > 0
    text = cli("report", batch).output
    assert "reviewed 2, approved at first review 1 (50.0%), rework rate 50.0%" in text
    assert "verify checks: - (not verified" in text
    page = tmp_path / "report.html"
    result = cli("report", batch, "--html", page)
    assert result.exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") >= 6
    assert "<script" not in html
    assert not re.search(r"(src|href)=|https?:", html)  # nothing loaded from elsewhere
    assert "&lt;i&gt;carol&lt;/i&gt;" in html
    assert "<i>carol" not in html


def test_export_hf_loads_with_datasets_and_its_card_holds_the_report(
        batch: Path, tmp_path: Path, cli) -> None:
    import datasets  # a dev dependency: a dataset user loads it so
    out = tmp_path / "hf"
    result = cli("export", batch, "--format", "hf", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["exported"] == 2
    loaded = datasets.load_dataset(str(out))["train"]
    assert loaded.num_rows == 2
    assert sorted(loaded["reviewer"]) == ["alice", "bob"]
    assert loaded.features["edit_rate"].dtype == "float64"
    row = next(r for r in loaded if r["author"] == "<i>carol</i>")
    assert json.loads(row["trace"])["hunks"][1]["necessity"] == "incidental"
    assert json.loads(row["scores"]) == {"correctness": 3}
    assert (row["rounds"], row["rework"]) == (2, 1)
    card = (out / "README.md").read_text(encoding="utf-8")
    figures = json.loads(card.split("```json\n", 1)[1].split("\n```", 1)[0])
    report = json.loads(cli("report", batch, "--json", "--verify").output)
    report.pop("dir")
    assert figures == report
    assert "license: null" in card
    assert "| correctness | 3 | 3.6667 |" in card


def test_report_takes_plant_answers(approved: Path, tmp_path: Path, cli) -> None:
    from reasondraft.quality.plant import plant

    out = tmp_path / "planted"
    result = plant([approved, approved], out, seed=3)
    first, second = result.folders
    assert reject(out / first, "strict", "planted").written
    assert approve(out / second, "lenient").written
    data = json.loads(cli("report", out, "--calibration", result.answers, "--json").output)
    assert data["calibration"]["reviewers"]["strict"]["all"]["rate"] == 1.0
    assert data["calibration"]["reviewers"]["lenient"]["all"]["rate"] == 0.0
    assert data["calibration"] == json.loads(
        cli("calibration", result.answers, out, "--json").output)
    assert "strict: caught 1 of 1 (100%)" in cli("report", out, "--calibration",
                                                 result.answers).output


def _front(folder: Path, **changes: object) -> None:
    draft = read_draft(folder / "draft.md")
    (folder / "draft.md").write_text(join_document({**draft.front, **changes}, draft.body),
                                     encoding="utf-8")


def test_pairs_sft_and_preference_rows_with_the_rebuilt_prompt(
        batch: Path, example: Path, tmp_path: Path, cli) -> None:
    second = batch / f"{example.name}__second"
    out = tmp_path / "pairs.jsonl"
    result = cli("export", batch, "--pairs", out, "--min-edit-rate", "0.001", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["sft"], summary["preference"], summary["left_out"]) == (2, 1, [])
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    preference = next(r for r in rows if r["kind"] == "preference")
    assert preference["folder"] == second.name
    assert preference["chosen"] == read_draft(second / "draft.md").body
    assert preference["rejected"] == read_draft(second / "draft.generated.md").body
    assert preference["chosen"] != preference["rejected"]
    assert 0.001 <= preference["edit_rate"] < 0.05  # one line of the Hunks section
    assert [m["role"] for m in preference["prompt"]] == ["system", "user"]
    assert example.name.split("__")[0] in preference["prompt"][1]["content"]
    assert preference["prompt_source"] == "rebuilt"
    sft = [r for r in rows if r["kind"] == "sft"]
    assert {r["prompt"][1]["content"] for r in sft} == {preference["prompt"][1]["content"]}
    # the default threshold (0.05) is above one changed line: no preference row
    default = json.loads(cli("export", batch, "--pairs", out, "--json").output)
    assert (default["sft"], default["preference"]) == (2, 0)


def test_pairs_refuse_a_prompt_that_cannot_be_rebuilt_as_drafted(
        batch: Path, example: Path, tmp_path: Path, cli) -> None:
    second = batch / f"{example.name}__second"
    provenance = read_draft(second / "draft.md").front["provenance"]
    _front(second, provenance={**provenance, "prompt": "sha256:0000000000000000"})
    packing = provenance["packing"]
    _front(batch / example.name, provenance={**provenance,
                                             "packing": {**packing, "tokens": 1}})
    summary = json.loads(cli("export", batch, "--pairs", tmp_path / "p.jsonl", "--json").output)
    assert (summary["sft"], summary["preference"]) == (0, 0)
    assert summary["left_out_by_reason"] == {
        "the prompt templates changed since drafting": 1,
        "the context packs differently now than at drafting": 1}
    assert (tmp_path / "p.jsonl").read_text(encoding="utf-8") == ""


def test_pairs_are_in_the_schema(cli) -> None:
    described = json.loads(cli("export", "--schema").output)
    assert "chosen" in described["$defs"]["PairRow"]["properties"]
    assert "body" in described["properties"]  # the line's own schema is unchanged


@pytest.mark.parametrize(("args", "message"), [
    (("--pairs", "p.jsonl", "--min-edit-rate", "1.5"), "--min-edit-rate 1.5: an edit rate"),
    (("--format", "parquet", "--out", "x"), "--format parquet: unknown (known: jsonl, hf)"),
    (("--pairs", "p.jsonl", "--out", "x"), "give a DIR and --pairs FILE.jsonl"),
])
def test_bad_export_options_are_one_line_errors(example: Path, tmp_path: Path, cli,
                                                args: tuple[str, ...], message: str) -> None:
    result = cli("export", example, *(str(tmp_path / a) if a in ("p.jsonl", "x") else a
                                      for a in args))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "p.jsonl").exists()
    assert not (tmp_path / "x").exists()


def test_hf_export_refuses_a_folder_that_holds_other_files(batch: Path, tmp_path: Path,
                                                           cli) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("the project's own\n", encoding="utf-8")
    (project / "src").mkdir()
    result = cli("export", batch, "--format", "hf", "--out", project)
    assert result.exit_code == 2
    assert "holds src: --format hf writes into an empty folder" in result.output
    assert (project / "README.md").read_text(encoding="utf-8") == "the project's own\n"
    assert not (project / "data").exists()
    # an earlier dataset folder is written again
    out = tmp_path / "hf"
    for _ in range(2):
        assert cli("export", batch, "--format", "hf", "--out", out).exit_code == 0


def test_report_and_hf_export_never_import_the_llm_stack(batch: Path, tmp_path: Path,
                                                         heavy_modules_after) -> None:
    assert heavy_modules_after(["report", str(batch), "--verify", "--html",
                                str(tmp_path / "r.html")],
                               ["export", str(batch), "--format", "hf", "--out",
                                str(tmp_path / "hf")]) == []


def test_counts_read_as_english() -> None:
    """The report said "0 bodys scored by two or more reviewers"."""
    from reasondraft.review.report import count

    assert count(0, "body", "bodies") == "0 bodies"
    assert count(1, "body", "bodies") == "1 body"
    assert count(2, "warning") == "2 warnings"
