"""Settings come from flags, then REASONDRAFT_* variables, then reasondraft.toml /
[tool.reasondraft], then defaults; each says where it came from."""

from __future__ import annotations

import pytest

from reasondraft.config import load_settings, project_notes
from reasondraft.errors import InputError


def test_precedence_and_sources(tmp_path) -> None:
    (tmp_path / "reasondraft.toml").write_text('model = "openai/from-file"\nmax_repairs = 4\n'
                                               'out = "file-out"\n')
    env = {"REASONDRAFT_MAX_REPAIRS": "3", "REASONDRAFT_OUT": "env-out"}
    settings = load_settings({"out": "flag-out"}, env=env, cwd=tmp_path)
    assert (settings["out"].value, settings["out"].source) == ("flag-out", "--out")
    assert (settings["max_repairs"].value, settings["max_repairs"].source) == (
        3, "REASONDRAFT_MAX_REPAIRS")
    assert settings["model"].value == "openai/from-file"
    assert settings["model"].source.endswith("reasondraft.toml")
    assert settings["max_input_tokens"].source == "default"
    assert settings["max_input_tokens"].value == 32_000


def test_pyproject_section(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.reasondraft]\nmodel = "fixture/example"\n')
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings["model"].value == "fixture/example"
    assert "[tool.reasondraft]" in settings["model"].source


@pytest.mark.parametrize(("content", "env", "message"), [
    ("max_repairs = 'many'\n", {}, "setting 'max_repairs' = 'many'"),
    ("colour = 'red'\n", {}, "unknown setting 'colour'"),
    ("model = \n", {}, "invalid TOML"),
    ("", {"REASONDRAFT_MAX_INPUT_TOKENS": "-5"}, "REASONDRAFT_MAX_INPUT_TOKENS: setting"),
])
def test_bad_settings_name_their_source(tmp_path, content, env, message) -> None:
    (tmp_path / "reasondraft.toml").write_text(content)
    with pytest.raises(InputError, match=message):
        load_settings(env=env, cwd=tmp_path)


@pytest.mark.parametrize("name", ["reasondraft.toml", "pyproject.toml"])
def test_a_project_file_may_log_only_inside_its_folder(tmp_path, name) -> None:
    section = "[tool.reasondraft]\n" if name == "pyproject.toml" else ""
    project = tmp_path / "project"
    project.mkdir()
    (project / "logs").symlink_to(tmp_path)  # a link inside that leads out
    for log in ["/tmp/elsewhere.jsonl", "../calls.jsonl", "logs/calls.jsonl"]:
        (project / name).write_text(f'{section}log = "{log}"\n')
        with pytest.raises(InputError, match=rf"{name}.*setting 'log' = '{log}' is outside "
                                             "the project folder"):
            load_settings(env={}, cwd=project)
    (project / name).write_text(f'{section}log = "audit/calls.jsonl"\n')
    assert load_settings(env={}, cwd=project)["log"].file == project / name
    # a log given by flag or environment is the user's own choice
    (project / name).write_text(f'{section}log = "/tmp/elsewhere.jsonl"\n')
    assert load_settings({"log": "/tmp/mine.jsonl"}, env={}, cwd=project)["log"].file is None
    env = {"REASONDRAFT_LOG": "/tmp/mine.jsonl"}
    assert load_settings(env=env, cwd=project)["log"].value == "/tmp/mine.jsonl"


def test_project_notes_name_the_file_that_set_api_base_or_log(tmp_path) -> None:
    (tmp_path / "reasondraft.toml").write_text('api_base = "http://elsewhere:8000/v1"\n'
                                               'log = "calls.jsonl"\nmodel = "openai/x"\n')
    notes = project_notes(load_settings(env={}, cwd=tmp_path))
    source = tmp_path / "reasondraft.toml"
    assert notes == [
        f"note: api_base = 'http://elsewhere:8000/v1' is set by {source}: requests, with the "
        "API key, go there",
        f"note: log = 'calls.jsonl' is set by {source}: prompts and answers are appended there"]
    env = {"REASONDRAFT_API_BASE": "http://mine/v1", "REASONDRAFT_LOG": "/tmp/mine.jsonl"}
    assert project_notes(load_settings(env=env, cwd=tmp_path)) == []


def test_the_author_is_the_flag_else_reasondraft_user_else_the_project_file(tmp_path) -> None:
    from reasondraft.config import current_user

    (tmp_path / "reasondraft.toml").write_text("user = 'from-file'\n")
    in_file = load_settings(env={}, cwd=tmp_path)
    assert current_user(None, in_file) == "from-file"
    from_env = load_settings(env={"REASONDRAFT_USER": " env-user "}, cwd=tmp_path)
    assert current_user(None, from_env) == "env-user"
    assert current_user("flag-user", from_env) == "flag-user"
    assert current_user(None, load_settings(env={}, cwd=tmp_path / "nowhere")) is None
    with pytest.raises(InputError, match="--author must not be empty"):
        current_user("  ", from_env)
