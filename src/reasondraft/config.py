"""Settings for drafting (and who reviews: ``reviewer``, for approve and reject): each value
comes from a flag, else ``REASONDRAFT_<NAME>``, else ``reasondraft.toml`` /
``[tool.reasondraft]`` in pyproject.toml (current directory), else a built-in default.
``reasondraft config`` shows every value and where it came from.

A project file is whatever sits in the directory a command runs in, so it may come from
someone else: the settings that decide where prompts and the API key go (``api_base``,
``log``) are announced at every run when a project file set them (:func:`project_notes`),
and a ``log`` it sets must lie inside its own directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import parse_toml, read_text


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "reasondraft"


def _positive_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _text(value: Any) -> str:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


@dataclass(frozen=True)
class Spec:
    """A drafting setting: its default, how a value is read, and its --help text."""

    default: Any
    parse: Callable[[Any], Any]
    help: str


SPECS: dict[str, Spec] = {
    "model": Spec(None, _text,
                  "The litellm model string, e.g. openai/gpt-4o or fixture/example"),
    "api_base": Spec(None, _text, "The base URL of an OpenAI-compatible server"),
    "max_input_tokens": Spec(32_000, _positive_int, "The token budget of the packed prompt"),
    "max_repairs": Spec(2, _positive_int, "How many times the model is asked again with the "
                                          "verifier's findings before its last answer is kept"),
    "out": Spec("drafts", _text, "Where task folders are written"),
    "log": Spec(str(_state_dir() / "llm-calls.jsonl"), _text, "The audit log of every LLM call"),
    "reviewer": Spec(None, _text, "The name approve and reject record when --reviewer is not "
                                  "given"),
    "user": Spec(None, _text, "Who you are: recorded as the author of the drafts you make "
                              "and edit (--author)"),
}


# Settings that send prompts or the key somewhere: loud when a project file sets them.
RISKY = {"api_base": "requests, with the API key, go there",
         "log": "prompts and answers are appended there"}


@dataclass(frozen=True)
class Setting:
    name: str
    value: Any
    source: str
    file: Path | None = None  # the project file that set it


def _file_settings(cwd: Path) -> tuple[dict[str, Any], str, Path | None]:
    own = cwd / "reasondraft.toml"
    if own.is_file():
        return _toml(own), str(own), own
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        section = _toml(pyproject).get("tool", {}).get("reasondraft", {})
        return section, f"{pyproject} [tool.reasondraft]", pyproject
    return {}, "", None


def _toml(path: Path) -> dict[str, Any]:
    return parse_toml(read_text(path, kind="config"), str(path))


def load_settings(flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> dict[str, Setting]:
    """Every setting with its effective value and source; a bad value names its source."""
    flags = flags or {}
    env = os.environ if env is None else env
    from_file, file_source, project_file = _file_settings(cwd or Path.cwd())
    from_file = {k: v for k, v in from_file.items() if k != "guidelines"}  # guidelines.py
    unknown = set(from_file) - set(SPECS)
    if unknown:
        raise InputError(f"unknown setting '{sorted(unknown)[0]}' (known: {', '.join(SPECS)})",
                         where=file_source)
    settings = {}
    for name, spec in SPECS.items():
        env_name = f"REASONDRAFT_{name.upper()}"
        file = None
        if flags.get(name) is not None:
            raw, source = flags[name], f"--{name.replace('_', '-')}"
        elif env.get(env_name):
            raw, source = env[env_name], env_name
        elif name in from_file:
            raw, source, file = from_file[name], file_source, project_file
        else:
            settings[name] = Setting(name, spec.default, "default")
            continue
        try:
            value = spec.parse(raw)
        except (TypeError, ValueError) as exc:
            raise InputError(f"setting '{name}' = {raw!r}: {exc}", where=source) from None
        if name == "log" and file is not None:
            _inside_project(value, file, source)
        settings[name] = Setting(name, value, source, file)
    return settings


def current_user(author: str | None, settings: dict[str, Setting] | None = None) -> str | None:
    """Who is drafting or editing: ``--author``, else ``REASONDRAFT_USER``, else the project
    file's ``user`` (None: nobody said). Review records keep this author apart from the
    reviewer, so it must be a name, not a blank."""
    if author is not None and not author.strip():
        raise InputError("--author must not be empty")
    value = author if author is not None else (settings or load_settings())["user"].value
    return value.strip() or None if value else None


def _inside_project(log: str, file: Path, source: str) -> None:
    """A log path from a project file stays in that project: a file from elsewhere must
    not make a run append prompts to any file its user can write."""
    folder = file.parent.resolve()
    target = (folder / log).resolve()
    if not target.is_relative_to(folder):
        raise InputError(f"setting 'log' = {log!r} is outside the project folder {folder}; "
                         "a project file may only log inside its own folder (pass --log or "
                         "set REASONDRAFT_LOG to log elsewhere)", where=source)


def project_notes(settings: dict[str, Setting]) -> list[str]:
    """One line for each RISKY setting a project file set, naming the file (printed at
    every run: a project file may come from someone else)."""
    return [f"note: {name} = {settings[name].value!r} is set by {settings[name].source}: "
            f"{why}" for name, why in RISKY.items()
            if settings[name].file is not None and settings[name].value]
