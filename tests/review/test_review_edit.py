"""edit: editor resolution, re-verify after saving, the file left exactly as saved."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reasondraft.errors import InputError
from reasondraft.review import approve
from reasondraft.review.edit import editor_command


def fake_editor(tmp_path: Path, script: str, name: str = "fake-editor") -> Path:
    """An executable that edits the file named by its last argument with ``script``."""
    path = tmp_path / "bin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"#!{sys.executable}\nimport sys\nfrom pathlib import Path\n"
                    f"draft = Path(sys.argv[-1])\ntext = draft.read_text()\n{script}\n")
    path.chmod(0o755)
    return path


def test_visual_wins_then_editor_then_fallback(tmp_path, monkeypatch) -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vim"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "'my editor' -n"}) == ["my editor", "-n"]
    fake_editor(tmp_path, "", name="vi")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert editor_command({}) == ["vi"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(InputError, match="no editor found"):
        editor_command({})
    with pytest.raises(InputError, match=r"\$EDITOR cannot be split"):
        editor_command({"EDITOR": "vim 'unclosed"})


def test_edit_reverifies_and_keeps_the_file_as_saved(task, tmp_path, cli,
                                                     monkeypatch) -> None:
    approve(task.folder, "alice")
    editor = fake_editor(tmp_path, "draft.write_text(text + '\\nSee [[pkg/nope.py]].\\n')")
    monkeypatch.setenv("VISUAL", "")
    monkeypatch.setenv("EDITOR", str(editor))
    before = task.draft.read_text()
    result = cli("edit", task.folder)
    assert result.exit_code == 1, result.output
    assert "RD-F001" in result.stdout
    assert "pkg/nope.py" in result.stdout
    assert "modified since approval by alice" in result.stdout
    assert task.draft.read_text() == before + "\nSee [[pkg/nope.py]].\n"


def test_clean_edit_exits_zero(task, tmp_path, cli, monkeypatch) -> None:
    editor = fake_editor(tmp_path, "draft.write_text(text.replace('with -1.', 'with -1!'))")
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli("edit", task.draft)
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.stdout
    assert "with -1!" in task.draft.read_text()


def test_broken_front_matter_opens_with_a_warning_and_stays_broken(task, tmp_path, cli,
                                                                   monkeypatch) -> None:
    task.draft.write_text(task.draft.read_text().replace("status: draft", "status: [draft"))
    editor = fake_editor(tmp_path, "draft.write_text(text + 'edited\\n')")
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    broken = task.draft.read_text()
    result = cli("edit", task.folder)
    assert result.exit_code == 2
    assert "opening it anyway" in result.output
    assert "not verified" in result.output
    assert "front matter is not valid YAML" in result.output
    assert task.draft.read_text() == broken + "edited\n"


def test_paths_reach_the_editor_as_one_argument(project, tmp_path, cli, monkeypatch) -> None:
    task = project.task(tmp_path / "a b; touch pwned")
    editor = fake_editor(tmp_path, "draft.write_text(text + '\\n')")
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli("edit", task.folder).exit_code == 0
    assert not (tmp_path / "pwned").exists()


def test_a_failing_editor_is_reported(task, tmp_path, cli, monkeypatch) -> None:
    editor = fake_editor(tmp_path, "sys.exit(3)")
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli("edit", task.folder)
    assert result.exit_code == 2
    assert "exited with status 3" in result.output
    assert cli("edit", tmp_path / "missing").exit_code == 2
