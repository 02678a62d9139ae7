"""Every command's --help: each option and argument is described, and every help text is
printed as written (help was once read as rich markup: "[[step:N]]" and "[guidelines]"
vanished, and flags showed as "--steps <bool>")."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from reasondraft.cli import app, app_for

COMMANDS = dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _help(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def _squeezed(text: str) -> str:
    """Text without whitespace: help is rewrapped to the width, its words are kept."""
    return re.sub(r"\s+", "", text)


def _described(command: Any) -> list[Any]:
    return [p for p in command.params if not getattr(p, "hidden", False)]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_and_argument_has_help_printed_as_written(name: str) -> None:
    command = COMMANDS[name]
    shown = _help(name)
    squeezed = _squeezed(shown)
    assert "<bool>" not in shown
    assert _squeezed(inspect.cleandoc(command.help or "")) in squeezed
    for param in _described(command):
        text = getattr(param, "help", None)
        assert text, f"{name} {param.name}: no help text"
        assert _squeezed(text) in squeezed, f"{name} {param.name}: help not shown as written"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_flags_show_without_a_value_placeholder(name: str) -> None:
    lines = _help(name).splitlines()
    for param in _described(COMMANDS[name]):
        if getattr(param, "is_flag", False):
            for flag in param.opts:
                line = next(ln for ln in lines if re.match(rf"\s+(-\w, )?{flag}\b", ln))
                assert re.match(rf"\s+(-\w, )?{flag}(\s*/\s*--[\w-]+)?(\s{{2,}}|$)", line), line


def test_top_level_help_lists_each_command_with_its_whole_first_paragraph() -> None:
    squeezed = _squeezed(_help())
    for name, command in COMMANDS.items():
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert _squeezed(name + first) in squeezed, name


def test_step_citation_syntax_survives_in_inspect_help() -> None:
    assert "[[step:N]]" in _help("inspect")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_run_builds_only_its_command_and_shows_the_same_help(name: str) -> None:
    """``main`` hands typer the app holding only the command named on the command line
    (typer builds every registered command's parameters at each start): the command's help
    and usage read exactly as in the whole app, and the app itself is left whole."""
    one = app_for([name, "--help"])
    assert [info.name for info in one.registered_commands] == [name]
    assert len(app.registered_commands) == len(COMMANDS)
    alone = CliRunner().invoke(one, [name, "--help"], env={"COLUMNS": "80"})
    assert alone.exit_code == 0, alone.output
    assert alone.output == _help(name)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["verfy", "x"]])
def test_without_a_command_name_a_run_gets_the_whole_app(args: list[str]) -> None:
    """The group's help lists every command; a misspelt one is told the nearest."""
    assert app_for(args) is app
