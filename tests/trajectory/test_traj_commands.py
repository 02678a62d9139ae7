"""Shell parsing, step kinds and repo-relative paths: the rules every reader shares."""

from __future__ import annotations

import random
import shlex

import pytest

from reasondraft.trajectory.kinds import classify_command, classify_tool
from reasondraft.trajectory.model import StepKind
from reasondraft.trajectory.paths import Workspace, command_paths, guess_root, tool_paths
from reasondraft.trajectory.shell import (
    MAX_COMMAND_CHARS,
    parse_commands,
    strip_bodies,
    tokenize,
)

K = StepKind


@pytest.mark.parametrize(("command", "kind"), [
    ("open widgets/core.py", K.VIEW),
    ("cat widgets/core.py | head -20", K.VIEW),
    ("sed -n '10,20p' widgets/core.py", K.VIEW),
    ("str_replace_editor view /testbed/a.py", K.VIEW),
    ("goto 120", K.VIEW),
    ("grep -rn size widgets | head", K.SEARCH),
    ("find . -name '*.py'", K.SEARCH),
    ("search_dir size", K.SEARCH),
    ("find_file core.py", K.SEARCH),
    ("edit 2:2\n    return 1\nend_of_edit", K.EDIT),
    ("create reproduce.py", K.EDIT),
    ("sed -i 's/a/b/' widgets/core.py", K.EDIT),
    ("cat > fix.py << 'EOF'\nprint(\"x | y\")\nEOF", K.EDIT),
    ("echo 'x = 1' >> widgets/extra.py", K.EDIT),
    ("str_replace_editor str_replace /testbed/a.py --old_str x --new_str y", K.EDIT),
    ("cd /testbed && python -m pytest tests -x 2>&1 | tail -5", K.TEST),
    ("timeout 120 pytest tests/test_core.py", K.TEST),
    ("tox -e py311", K.TEST),
    ("./tests/runtests.py widgets", K.TEST),
    ("python reproduce.py", K.RUN),
    ("pip install -e .", K.RUN),
    ("submit", K.SUBMIT),
    ("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff", K.SUBMIT),
    ("plan\n{\"entry\": \"Programmer\"}", K.THINK),
    ("succeed", K.MESSAGE),
    ("exit_cost", K.OTHER),
])
def test_command_kinds(command: str, kind: StepKind) -> None:
    assert classify_command(command) == kind


@pytest.mark.parametrize(("name", "arguments", "kind"), [
    ("execute_bash", {"command": "pytest -q"}, K.TEST),
    ("str_replace_editor", {"command": "view", "path": "/repo/a.py"}, K.VIEW),
    ("str_replace_editor", {"command": "create", "path": "/repo/a.py"}, K.EDIT),
    ("think", {"thought": "hmm"}, K.THINK),
    ("finish", {}, K.SUBMIT),
    ("message", {"content": "done"}, K.MESSAGE),
    ("task_tracker", {"command": "plan"}, K.OTHER),  # not a shell: its command is no command
])
def test_tool_kinds(name: str, arguments: dict, kind: StepKind) -> None:
    assert classify_tool(name, arguments) == kind


def test_heredoc_body_and_redirects_are_not_commands() -> None:
    commands = parse_commands("cat <<EOF > a.py\nimport os; rm -rf /\nEOF\npython a.py 2>/dev/null")
    assert [c.words for c in commands] == [("cat",), ("python", "a.py")]
    assert commands[0].writes == ("a.py",)
    assert commands[1].writes == ()


@pytest.mark.parametrize(("command", "paths"), [
    ("cat ./widgets/core.py /tmp/scratch.py", ["widgets/core.py"]),
    ("grep -n 'a/b' widgets/core.py", ["widgets/core.py"]),
    ("cd widgets && cat core.py", ["widgets/core.py"]),
    ("python -m pytest tests/test_core.py::TestSize::test_neg[a-1] -q", ["tests/test_core.py"]),
    ("sed -i 's/x\\/y/z/' /testbed/widgets/core.py", ["widgets/core.py"]),
    ("find . -name core.py", []),
    ("python -c 'import widgets.core'", []),
    ("cat > /testbed/new.py << 'EOF'\nx = '/testbed/not_a_path.py'\nEOF", ["new.py"]),
])
def test_command_paths_are_repo_relative(command: str, paths: list[str]) -> None:
    assert command_paths(command, Workspace("/testbed")) == paths


def test_swe_agent_editor_commands_use_the_open_file() -> None:
    workspace = Workspace("/acme__widgets")
    assert command_paths("edit 3:4\nx\nend_of_edit", workspace,
                         open_file="/acme__widgets/widgets/core.py") == ["widgets/core.py"]
    assert command_paths("search_file size", workspace,
                         open_file="/acme__widgets/a.py") == ["a.py"]


def test_tool_paths_and_workspace_roots() -> None:
    workspace = Workspace("/workspace/acme__widgets__1.0")
    assert tool_paths("str_replace_editor",
                      {"path": "/workspace/acme__widgets__1.0/widgets/core.py"},
                      workspace) == ["widgets/core.py"]
    assert guess_root(["/workspace", "/workspace/acme__widgets__1.0/src"]) == \
        "/workspace/acme__widgets__1.0"
    assert guess_root(["/acme__widgets/x.py"]) == "/acme__widgets"
    assert guess_root(["/home/me/project"]) is None
    assert Workspace("/repo").relative("../etc/passwd") is None
    assert Workspace(None).relative("/testbed/a.py") == "a.py"


def _shlex_tokens(script: str) -> list[str] | None:
    """What shlex (the tokenizer this module follows) makes of a script; None if it raises."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace = " \t\r"
    lexer.commenters = ""
    lexer.wordchars += ":@%+,^[]{}!#$"
    try:
        return list(lexer)
    except ValueError:
        return None


def test_tokenizer_splits_exactly_as_shlex_does() -> None:
    rng = random.Random(7)
    pieces = [*"ab ;|&<>()'\"\\\n\t\r$#-./=é→`~*1", "\\\"", "''", '""', "&&", "\\\\", "2>&1"]
    for _ in range(8_000):
        script = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        expected = _shlex_tokens(script)
        if expected is None:  # unbalanced: plain words per line
            expected = [t for line in script.split("\n") for t in [*line.split(), "\n"]]
        assert tokenize(script) == expected, script


def test_a_megabyte_quoted_argument_is_read_in_one_pass() -> None:
    """shlex grew a quoted word one character at a time: this took about a minute."""
    line = "x = 1; print(x)  # a | b > c\n"
    command = "cat widgets/core.py && python -c '{}' > /testbed/out.txt"
    small, huge = command.format(line), command.format(line * 56_000)  # 1.6 MB
    commands = parse_commands(huge)
    assert [c.words[:2] for c in commands] == [("cat", "widgets/core.py"), ("python", "-c")]
    assert commands[1].words[2] == huge[huge.index("'") + 1:MAX_COMMAND_CHARS]
    assert classify_command(huge) == classify_command(small) == K.RUN
    assert command_paths(huge, Workspace("/testbed")) == ["widgets/core.py"]


def test_only_the_start_of_a_huge_command_is_tokenized() -> None:
    words = tokenize("ls " + "a/b.py " * 100_000)
    whole, cut = divmod(MAX_COMMAND_CHARS - 3, 7)
    assert words == ["ls", *["a/b.py"] * whole, "a/b.py"[:cut]]
    assert tokenize("echo 'unclosed " + "x" * MAX_COMMAND_CHARS) == [
        "echo", "unclosed " + "x" * (MAX_COMMAND_CHARS - 15)]


def test_many_heredocs_are_matched_in_one_pass() -> None:
    count = 150_000
    command = "cat <<A " * count + "\n" + "A\n" * count + "python x.py"
    assert strip_bodies(command) == "cat <<A " * count + "\npython x.py"
