"""Context packing: line numbers on both sides, enclosing code, and a trajectory condensed
under the token budget with every action kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reasondraft.diff import parse_diff
from reasondraft.draft.context import (
    LEVELS,
    WINDOW,
    build_sections,
    byte_bound,
    cut,
    pack,
    render_diff,
    render_test_ids,
    render_trajectory,
)
from reasondraft.errors import InputError
from reasondraft.evaluation import Evaluation
from reasondraft.instance import Instance
from reasondraft.repo import RepoView
from reasondraft.trajectory import Action, Observation, Step, StepKind, Trajectory

SOURCE = '''"""Module."""


class Box:
    """A box."""

    @property
    def size(self) -> int:
        return 1

    def grow(self, by: int) -> int:
        total = self.size
        total += by
        return total
'''


def count(text: str) -> int:
    """A deterministic stand-in tokenizer: about four characters a token."""
    return len(text) // 4 + 1


@pytest.fixture
def task(make_repo):
    repo = make_repo()
    base = repo.commit({"box.py": SOURCE})
    head = repo.commit({"box.py": SOURCE.replace("total += by", "total += abs(by)")})
    patch = parse_diff(repo.diff(base, head))
    instance = Instance(instance_id="acme__box-1", problem_statement="Negative growth.",
                        FAIL_TO_PASS=["tests/test_box.py::test_grow_negative"])
    return RepoView(repo.path, base, patch), patch, instance


def big_trajectory(steps: int = 500) -> Trajectory:
    output = "\n".join(f"output line {i}" for i in range(200))
    return Trajectory(format="swe-agent", steps=[
        Step(number=n, kind=StepKind.VIEW if n % 3 else StepKind.EDIT,
             thought="I think " + "carefully " * 80, paths=["box.py"],
             action=Action(name="bash", text=f"open box.py  # action-{n}"),
             observation=Observation(text=output, exit_code=0))
        for n in range(1, steps + 1)])


def test_diff_has_both_line_numbers(task) -> None:
    _, patch, _ = task
    text = render_diff(patch)
    assert "   13       -         total += by" in text
    assert "         13 +         total += abs(by)" in text
    assert "### box.py (modified)" in text


def test_enclosing_code_with_numbers_on_both_sides(task) -> None:
    view, patch, instance = task
    packed = pack(view, patch, instance, None, budget=10_000,
                  measure=lambda s, counter: sum(counter(v) for v in s.values()), count=count)
    before = packed.sections["code_before"]
    assert "box.py @base — grow (lines 11-14)" in before
    assert "   13          total += by" in before
    assert "total += abs(by)" in packed.sections["code_after"]


def test_insertion_into_a_big_class_shows_the_change_not_the_top(make_repo) -> None:
    """A method added at the end of a 300-line class: the class is the innermost definition
    around the added lines (blank lines included), and its top says nothing about them."""
    methods = "".join(f"    def visit_{n}(self, node):\n        return 'v{n}'\n\n"
                      for n in range(100))
    source = f"class AsStringVisitor:\n    \"\"\"Visitor.\"\"\"\n\n{methods}" \
             "    def visit_last(self, node):\n        return 'last'\n"
    added = source.replace("    def visit_last", "    def visit_unknown(self, node):\n"
                           "        return node.name\n\n    def visit_last")
    repo = make_repo()
    base = repo.commit({"visitor.py": source})
    patch = parse_diff(repo.diff(base, repo.commit({"visitor.py": added})))
    view = RepoView(repo.path, base, patch)
    after = build_sections(view, patch, Instance(instance_id="a__b-1"), [], 1000)["code_after"]
    new_line = added.splitlines().index("    def visit_unknown(self, node):") + 1
    assert f"visitor.py @patched — AsStringVisitor (lines 1-{len(added.splitlines())}), " \
           f"showing lines {new_line - WINDOW}-" in after
    assert "    1  class AsStringVisitor:" in after
    assert f"  [... lines 2-{new_line - WINDOW - 1} not shown ...]" in after
    assert f"{new_line:>5}      def visit_unknown(self, node):" in after
    assert "    4      def visit_0(self, node):" not in after


def test_tests_carry_what_the_harness_says_after_the_diff() -> None:
    p2p = [f"tests/test_box.py::test_p{n}" for n in range(40)]
    instance = Instance(instance_id="acme__box-1", FAIL_TO_PASS=["tests/test_box.py::test_f"],
                        PASS_TO_PASS=p2p)
    report = Evaluation(instance_id="acme__box-1", resolved=False, patch_applied=True,
                        tests={"FAIL_TO_PASS": {"success": ["tests/test_box.py::test_f"],
                                                "failure": []},
                               "PASS_TO_PASS": {"success": p2p[:35] + p2p[36:],
                                                "failure": [p2p[35]]}},
                        source="r/report.json", kind="instance")
    text = render_test_ids(instance, with_pass_to_pass=True, evaluation=report)
    assert "- tests/test_box.py::test_f — after this diff: pass (harness)" in text
    assert "keep passing; after this diff: 39 pass, 1 fail (harness)):\n" \
           f"- {p2p[35]} — after this diff: fail (harness)\n- {p2p[0]}\n" in text
    assert "- ... 9 more" in text  # the failing one is shown beyond the first 30
    summary = Evaluation(instance_id="acme__box-1", resolved=False, patch_applied=None,
                         tests={}, source="run.json", kind="summary")
    text = render_test_ids(instance, with_pass_to_pass=False, evaluation=summary)
    assert "- tests/test_box.py::test_f\n" in text
    assert "PASS_TO_PASS: 40 tests; after this diff: unknown, the report does not list " \
           "them (list omitted)" in text


def test_500_steps_pack_under_budget_with_every_action(task) -> None:
    view, patch, instance = task
    trajectory = big_trajectory()
    budget = 20_000
    packed = pack(view, patch, instance, trajectory, budget=budget,
                  measure=lambda s, counter: sum(counter(v) for v in s.values()), count=count)
    assert packed.tokens <= budget
    assert packed.level is not None
    assert packed.level > 0
    text = packed.sections["trajectory"]
    for n in range(1, 501):
        assert f"[step {n}]" in text
        assert f"action-{n}" in text


def test_repeated_views_collapse_and_observations_are_cut() -> None:
    output = Observation(text="\n".join(f"line {i}" for i in range(100)))
    steps = [Step(number=n, kind=kind, paths=["box.py"], observation=output,
                  action=Action(name="bash", text=text))
             for n, (kind, text) in enumerate([(StepKind.VIEW, "open box.py"),
                                               (StepKind.VIEW, "open box.py"),
                                               (StepKind.EDIT, "edit 3:4"),
                                               (StepKind.VIEW, "open box.py")], start=1)]
    text = render_trajectory(Trajectory(format="swe-agent", steps=steps), LEVELS[0])
    assert text.count("(same output as step 1)") == 1  # step 4 follows an edit: shown again
    assert "[... 68 lines omitted ...]" in text


def test_cut_keeps_head_and_tail() -> None:
    assert cut("a\nb\nc\nd\ne\nf", 1, 1) == "a\n[... 4 lines omitted ...]\nf"
    assert cut("a\nb", 1, 1) == "a\nb"


def test_sections_dropped_in_order_and_recorded(task) -> None:
    view, patch, instance = task
    instance = replace(instance, problem_statement="x" * 30_000)
    packed = pack(view, patch, instance, big_trajectory(50), budget=3_000,
                  measure=lambda s, counter: sum(counter(v) for v in s.values()), count=count)
    assert packed.tokens <= 3_000
    assert packed.dropped[:2] == ["code_after", "code_before"]
    assert "problem_tail" in packed.dropped


def test_small_prompt_fits_by_its_bytes_and_is_counted_only_when_asked(task) -> None:
    view, patch, instance = task
    calls: list[str] = []

    def exact(text: str) -> int:
        calls.append(text)
        return count(text)

    def measure(sections, counter):
        return sum(counter(v) for v in sections.values())

    big = measure(build_sections(view, patch, instance, [], 24_000), byte_bound) + 100
    packed = pack(view, patch, instance, None, budget=big, measure=measure, count=exact)
    assert calls == []  # fitted by the byte bound: the tokenizer was not needed
    assert packed.tokens == measure(packed.sections, count)
    assert calls
    assert packed.tokens <= sum(byte_bound(v) for v in packed.sections.values())
    calls.clear()
    tight = pack(view, patch, instance, None, budget=packed.tokens, measure=measure,
                 count=exact)
    assert calls
    assert tight.dropped == []  # over the bound, under the exact count


def test_impossible_budget_is_one_clear_error(task) -> None:
    view, patch, instance = task
    with pytest.raises(InputError, match="raise --max-input-tokens"):
        pack(view, patch, instance, None, budget=10,
             measure=lambda s, counter: sum(counter(v) for v in s.values()), count=count)


def test_the_whole_action_is_shown_not_its_one_line_display() -> None:
    edit = "edit 12:13\n    total = self.size\n    total += abs(by)\nend_of_edit"
    steps = [
        Step(number=1, kind=StepKind.EDIT, paths=["box.py"],
             action=Action(name="bash", arguments={"command": edit}, text="edit 12:13")),
        Step(number=2, kind=StepKind.EDIT, paths=["box.py"],
             action=Action(name="str_replace_editor", text="str_replace_editor str_replace box.py",
                           arguments={"command": "str_replace", "path": "/testbed/box.py",
                                      "old_str": "total += by", "new_str": "total += abs(by)"})),
    ]
    trajectory = Trajectory(format="swe-agent", steps=steps)
    detailed = render_trajectory(trajectory, LEVELS[0])
    assert "total += abs(by)\n    end_of_edit" in detailed
    assert '"old_str": "total += by"' in detailed
    assert '"new_str": "total += abs(by)"' in detailed
    barest = render_trajectory(trajectory, LEVELS[-1])
    assert "[step 1] edit: edit 12:13" in barest
    assert "old_str" not in barest


def test_one_huge_observation_line_is_cut_not_the_whole_trajectory(task) -> None:
    """A 20 MB one-line observation (real ones reach 200 MB) was kept whole at every level
    that shows an observation's first line, so packing fell to the one-line-per-step levels
    for every step. Now the line is cut in its middle like any long line."""
    view, patch, instance = task
    trajectory = big_trajectory(5)
    measure = lambda s, counter: sum(counter(v) for v in s.values())  # noqa: E731
    plain = pack(view, patch, instance, trajectory, budget=20_000, measure=measure,
                 count=count)
    line = "start " + "x" * 20_000_000 + " end of the line"
    trajectory.steps[2].observation = Observation(text=line + "\nnext line\n")
    packed = pack(view, patch, instance, trajectory, budget=20_000, measure=measure,
                  count=count)
    assert packed.level == plain.level == 0
    text = packed.sections["trajectory"]
    assert "start xxx" in text
    assert "xxx end of the line" in text
    assert "next line" in text
    assert f"[... {len(line) - 800} characters omitted ...]" in text


def test_cut_counts_lines_and_clips_long_ones() -> None:
    text = "\n".join(["a" * 50, "b", "c", "d", "e" * 50]) + "\n"
    assert cut(text, 1, 1, line_chars=10) == (
        "aaaaa [... 40 characters omitted ...] aaaaa\n[... 3 lines omitted ...]\n"
        "eeeee [... 40 characters omitted ...] eeeee")
    assert cut(text, 0, 0) == "[... 5 lines omitted ...]"
