"""The in-memory applier against real ``git apply`` on the cases that trip appliers up."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from reasondraft.diff import HunkRejected, apply_file, parse_diff, split_lines
from reasondraft.repo import RepoView, Rev

LINES = "".join(f"line {i}\n" for i in range(1, 41))


def git_apply(builder, base: str, diff: str, tmp_path: Path) -> Path:
    """Check out ``base`` in a fresh clone, run ``git apply`` and return the work tree."""
    clone = git.Repo.clone_from(builder.path, tmp_path / "applied")
    clone.git.checkout(base)
    patch_file = tmp_path / "change.diff"
    patch_file.write_bytes(diff.encode())
    clone.git.apply(str(patch_file))
    clone.close()
    return tmp_path / "applied"


CASES = {
    "crlf": ({"win.txt": "a\r\nb\r\nc\r\n"}, {"win.txt": "a\r\nB\r\nc\r\nd\r\n"}),
    "drop-final-newline": ({"f.txt": "x\ny\n"}, {"f.txt": "x\nY"}),
    "add-final-newline": ({"f.txt": "x\ny"}, {"f.txt": "x\ny\nz\n"}),
    "no-newline-both": ({"f.txt": "x\ny"}, {"f.txt": "x\nz"}),
    "add-and-delete": ({"old.py": "print(1)\n"}, {"old.py": None, "new.py": "print(2)\n"}),
    "form-feed-and-lone-cr": ({"f.txt": "a\x0cb\nc\rd\ne\n"}, {"f.txt": "a\x0cb\nc\rD\ne\n"}),
    "many-hunks": ({"big.txt": LINES},
                   {"big.txt": LINES.replace("line 3\n", "three\n").replace("line 30\n", "")}),
}


@pytest.mark.parametrize("case", CASES)
def test_applier_equals_git_apply(case: str, make_repo, tmp_path: Path) -> None:
    before, after = CASES[case]
    repo = make_repo()
    base = repo.commit(before)
    head = repo.commit(after)
    diff = repo.diff(base, head)
    tree = git_apply(repo, base, diff, tmp_path)
    view = RepoView(repo.path, base, parse_diff(diff))
    for name, content in after.items():
        if content is None:
            assert not (tree / name).exists()
            assert not view.exists(name, Rev.PATCHED)
        else:
            assert view.read(name, Rev.PATCHED).text == (tree / name).read_bytes().decode()


def test_rename_with_edits_round_trips(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    body = "".join(f"value_{i} = {i}\n" for i in range(20))
    base = repo.commit({"pkg/old_name.py": body})
    head = repo.commit({"pkg/old_name.py": None,
                        "pkg/new_name.py": body.replace("value_5 = 5", "value_5 = 55")})
    diff = repo.diff(base, head, "-M")
    patch = parse_diff(diff)
    [change] = patch.files
    assert (change.status, change.old_path, change.new_path) == (
        "renamed", "pkg/old_name.py", "pkg/new_name.py")
    tree = git_apply(repo, base, diff, tmp_path)
    view = RepoView(repo.path, base, patch)
    assert view.read("pkg/new_name.py", Rev.PATCHED).text == (
        tree / "pkg/new_name.py").read_text()
    assert not view.exists("pkg/old_name.py", Rev.PATCHED)
    assert view.exists("pkg/old_name.py", Rev.BASE)


def test_shifted_hunk_applies_where_its_context_is(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    base = repo.commit({"big.txt": LINES})
    head = repo.commit({"big.txt": LINES.replace("line 25\n", "twenty-five\n")})
    diff = repo.diff(base, head).replace("@@ -22,7 +22,7 @@", "@@ -18,7 +18,7 @@")
    assert "@@ -18,7 +18,7 @@" in diff
    tree = git_apply(repo, base, diff, tmp_path)
    view = RepoView(repo.path, base, parse_diff(diff))
    assert view.read("big.txt", Rev.PATCHED).text == (tree / "big.txt").read_text()


def test_hunk_that_does_not_apply_names_file_and_hunk() -> None:
    diff = ("--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
            "@@ -10,2 +10,2 @@\n nothere\n-x\n+y\n")
    [change] = parse_diff(diff).files
    with pytest.raises(HunkRejected, match=r"f\.txt: hunk 2 \(@@ -10,2 \+10,2 @@\)"):
        apply_file(change, "a\nb\n")


def test_plain_diff_without_git_prefixes() -> None:
    diff = ("--- src/mod.py.orig\t2024-01-01 10:00:00\n+++ src/mod.py\t2024-01-01 10:00:01\n"
            "@@ -1 +1 @@\n-x = 1\n+x = 2\n")
    [change] = parse_diff(diff).files
    assert change.new_path == "src/mod.py"
    assert change.status == "modified"
    assert apply_file(change, "x = 1\n") == "x = 2\n"


def test_binary_file_is_recognized() -> None:
    diff = ("diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000..1234567\n"
            "Binary files /dev/null and b/logo.png differ\n")
    [change] = parse_diff(diff).files
    assert change.binary and change.status == "added" and change.path == "logo.png"


def test_hunk_line_numbers_on_both_sides() -> None:
    diff = "--- a/f.py\n+++ b/f.py\n@@ -3,3 +3,4 @@ def f():\n a\n-b\n+B\n+C\n c\n"
    [hunk] = parse_diff(diff).files[0].hunks
    assert hunk.section == "def f():"
    assert [(ln.kind, ln.old_no, ln.new_no) for ln in hunk.lines] == [
        (" ", 3, 3), ("-", 4, None), ("+", None, 4), ("+", None, 5), (" ", 5, 6)]
    assert hunk.changed_range("old") == (4, 4)
    assert hunk.changed_range("new") == (4, 5)


def test_split_lines_only_on_newline() -> None:
    assert split_lines("a\r\nb\x0cc\nd") == ["a\r\n", "b\x0cc\n", "d"]
    assert split_lines("") == []
