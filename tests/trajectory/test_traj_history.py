"""What a trajectory says the agent saw, ran and changed: test-output parsers (pytest,
unittest, Django, tox) and the windows, runs, edits and failures read from each step shape."""

from __future__ import annotations

from typing import Any

import pytest

from reasondraft.trajectory.history import build_history
from reasondraft.trajectory.kinds import classify_command, classify_tool
from reasondraft.trajectory.model import Action, Observation, Step, Trajectory
from reasondraft.trajectory.paths import Workspace, command_paths, tool_paths
from reasondraft.trajectory.testrun import parse_test_output, same_test

PYTEST_FAIL = """\
..F.                                                                     [100%]
=================================== FAILURES ===================================
___________________________________ test_b ____________________________________
E   assert 1 == 2
=========================== short test summary info ============================
FAILED tests/test_a.py::test_b - assert 1 == 2
ERROR tests/test_c.py::test_d[x-1] - RuntimeError
==================== 1 failed, 2 passed, 1 error in 0.12s ====================
"""
PYTEST_VERBOSE = """\
tests/test_a.py::test_a PASSED                                           [ 50%]
tests/test_a.py::TestK::test_b[1] PASSED                                 [100%]
============================== 2 passed in 0.01s ===============================
"""
UNITTEST = """\
F.
======================================================================
FAIL: test_parse (tests.test_io.ReaderTests)
----------------------------------------------------------------------
AssertionError: 1 != 2
----------------------------------------------------------------------
Ran 2 tests in 0.003s

FAILED (failures=1)
"""
DJANGO = """\
Creating test database for alias 'default'...
test_empty (admin_views.tests.AdminViewTests) ... ok
test_title (admin_views.tests.AdminViewTests) ... ok
----------------------------------------------------------------------
Ran 2 tests in 0.210s

OK
Destroying test database for alias 'default'...
"""
TOX_FAIL = "py311: commands[0]> pytest\n1 failed\n  py311: FAIL code 1 (2.01 seconds)\n"
TOX_OK = "  py311: commands succeeded\n  congratulations :)\n"


def test_pytest_summary_and_failed_lines() -> None:
    run = parse_test_output(PYTEST_FAIL)
    assert (run.runner, run.passed, run.failed, run.errors, run.ok) == ("pytest", 2, 1, 1, False)
    assert run.failing == ["tests/test_a.py::test_b", "tests/test_c.py::test_d[x-1]"]
    assert run.says() == "1 failed, 1 errors, 2 passed"
    verbose = parse_test_output(PYTEST_VERBOSE)
    assert verbose.ok
    assert verbose.passing == ["tests/test_a.py::test_a",
                                              "tests/test_a.py::TestK::test_b[1]"]


def test_unittest_django_and_tox_verdicts() -> None:
    run = parse_test_output(UNITTEST)
    assert (run.runner, run.failed, run.passed, run.ok) == ("unittest", 1, 1, False)
    assert run.failing == ["ReaderTests.test_parse"]
    django = parse_test_output(DJANGO)
    assert django.ok
    assert django.passing == ["AdminViewTests.test_empty",
                                            "AdminViewTests.test_title"]
    assert parse_test_output(TOX_FAIL).ok is False
    assert parse_test_output(TOX_OK).ok is True
    assert parse_test_output("Traceback (most recent call last):\nKeyError: 'x'\n") is None
    assert parse_test_output("==== 2 warnings in 0.01s ====\n") is None  # nothing ran
    crlf = parse_test_output(PYTEST_FAIL.replace("\n", "\r\n"))
    assert crlf.failing == ["tests/test_a.py::test_b", "tests/test_c.py::test_d[x-1]"]


def test_only_the_ends_of_a_long_output_are_read() -> None:
    noise = "x" * 10 + "\n"
    run = parse_test_output(noise * 10_000 + "FAILED tests/t.py::test_lost\n" + noise * 10_000
                            + PYTEST_FAIL)
    assert run.failed == 1
    assert "tests/t.py::test_lost" not in run.failing


def test_a_printed_id_names_the_claimed_test() -> None:
    assert same_test("tests/test_a.py::test_b", "tests/test_a.py::test_b")
    assert same_test("tests/test_c.py::test_d", "tests/test_c.py::test_d[x-1]")
    assert not same_test("tests/test_c.py::test_d[x-2]", "tests/test_c.py::test_d[x-1]")
    assert not same_test("tests/test_a.py::test_bb", "tests/test_a.py::test_b")
    assert same_test("tests/test_io.py::ReaderTests::test_parse", "ReaderTests.test_parse")
    assert same_test("test_parse (tests.test_io.ReaderTests)", "ReaderTests.test_parse")


def trajectory(*steps: tuple[str, dict[str, Any], str, int | None]) -> Trajectory:
    """Steps as (tool, arguments, observation, exit code), classified as the readers do."""
    workspace = Workspace("/testbed")
    built = []
    for number, (name, arguments, text, code) in enumerate(steps, start=1):
        command = arguments.get("command", "")
        kind = classify_command(command) if name == "bash" else classify_tool(name, arguments)
        paths = command_paths(command, workspace) if name == "bash" else \
            tool_paths(name, arguments, workspace)
        built.append(Step(number=number, kind=kind, action=Action(
            name=name, arguments=arguments, text=command or name), paths=paths,
            observation=Observation(text=text, exit_code=code)))
    return Trajectory(format="mini-swe-agent", workspace_root="/testbed", steps=built)


def windows(history, path: str) -> list[tuple]:
    return [(w.step, w.start, w.end, w.tail, w.edited) for w in history.windows[path]]


def test_windows_from_what_each_command_shows() -> None:
    numbered = "\n".join(f"{n}:line {n}" for n in range(40, 46))
    catn = "\n".join(f"{n:6}\tline {n}" for n in range(5, 9))
    history = build_history(trajectory(
        ("bash", {"command": "open pkg/a.py 42"},
         f"[File: /testbed/pkg/a.py (200 lines total)]\n(39 more lines above)\n{numbered}", None),
        ("bash", {"command": "cat pkg/b.py"}, "x = 1\n", 0),
        ("bash", {"command": "sed -n '10,20p' pkg/c.py"}, "c\n", 0),
        ("bash", {"command": "head -n 30 pkg/c.py && tail -5 pkg/d.py"}, "c\nd\n", 0),
        ("bash", {"command": "cat pkg/e.py | head -50"}, "e\n", 0),
        ("bash", {"command": "grep -n 'def ' pkg/f.py"}, "3:def f():\n17-    pass\n", 0),
        ("str_replace_editor", {"command": "view", "path": "/testbed/pkg/g.py",
                                "view_range": [5, 8]},
         f"Here's the result of running `cat -n` on /testbed/pkg/g.py:\n{catn}\n", None),
        ("bash", {"command": "cd /testbed/pkg && tail -n +90 h.py"}, "h\n", 0),
    ))
    assert windows(history, "pkg/a.py") == [(1, 40, 45, 0, False)]
    assert history.windows["pkg/a.py"][0].total == 200
    assert windows(history, "pkg/b.py") == [(2, 1, None, 0, False)]
    assert windows(history, "pkg/c.py") == [(3, 10, 20, 0, False), (4, 1, 30, 0, False)]
    assert windows(history, "pkg/d.py") == [(4, 1, None, 5, False)]
    assert windows(history, "pkg/e.py") == [(5, 1, 50, 0, False)]
    assert windows(history, "pkg/f.py") == [(6, 3, 3, 0, False), (6, 17, 17, 0, False)]
    assert windows(history, "pkg/g.py") == [(7, 5, 8, 0, False)]
    assert windows(history, "pkg/h.py") == [(8, 90, None, 0, False)]
    assert [w.step for w in history.seen("pkg/c.py", 3)] == [3]


def test_runs_edits_and_failures() -> None:
    history = build_history(trajectory(
        ("bash", {"command": "python -m pytest tests/test_a.py -q"}, PYTEST_FAIL, 1),
        ("str_replace_editor", {"command": "str_replace", "path": "/testbed/pkg/a.py",
                                "old_str": "a", "new_str": "b = 2\n\nc = 3"},
         "The file /testbed/pkg/a.py has been edited.", None),
        ("bash", {"command": "grep -rn nothing pkg"}, "", 1),
        ("bash", {"command": "python repro.py"}, "Traceback (most recent call last):\n"
         '  File "repro.py", line 1\nValueError: bad\n', None),
        ("bash", {"command": "pytset"}, "bash: pytset: command not found", 127),
        ("bash", {"command": "edit 3:3\nx = (\nend_of_edit"},
         "Your proposed edit has introduced new syntax error(s).", None),
        ("bash", {"command": "pytest tests/test_a.py::test_b"}, "1 passed in 0.01s", 0),
    ))
    assert history.runs[1].failing[0] == "tests/test_a.py::test_b"
    assert history.first_edit == {"pkg/a.py": 2}
    assert [(e.step, e.added) for e in history.edits] == [(2, ("b = 2", "c = 3"))]
    assert [(f.kind, f.steps) for f in history.failures] == [
        ("failed run", (1,)), ("failed run", (4,)), ("failed run", (5,)), ("tool error", (6,))]
    assert history.ran("tests/test_a.py::test_x", 1)
    assert not history.ran("tests/test_other.py::test_x", 1)
    assert not history.ran("tests/test_a.py::test_b", 0)
    assert history.ran_at(7, "tests/test_a.py::test_b")
    assert not history.ran_at(7, "tests/test_a.py::test_c")


@pytest.mark.parametrize("size", [1, 200])
def test_building_reads_each_observation_a_bounded_amount(size: int) -> None:
    big = ("1:x\n" * 50_000) * size
    history = build_history(trajectory(
        ("bash", {"command": "open pkg/a.py"}, "[File: pkg/a.py (9 lines total)]\n" + big,
         None)))
    assert history.windows["pkg/a.py"][0].start == 1


def test_crlf_observations_show_their_windows() -> None:
    history = build_history(trajectory(
        ("bash", {"command": "open pkg/a.py 3"},
         "[File: pkg/a.py (9 lines total)]\r\n(1 more lines above)\r\n2:a\r\n3:b\r\n", None)))
    assert windows(history, "pkg/a.py") == [(1, 2, 3, 0, False)]
