"""Settings come from flags, then REASONDRAFT_* variables, then reasondraft.toml /
[tool.reasondraft], then defaults; each says where it came from."""

from __future__ import annotations

import pytest

from reasondraft.config import load_settings
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
