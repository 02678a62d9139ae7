"""The in-memory applier against real ``git apply`` on the cases that trip appliers up."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from reasondraft.diff import HunkRejected, apply_file, apply_file_lines, parse_diff, split_lines
from reasondraft.errors import InputError
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
    assert change.binary
    assert change.status == "added"
    assert change.path == "logo.png"


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


def test_a_huge_diff_is_parsed_and_applied_in_one_pass() -> None:
    """60,000 hunks: unidiff with a model object per line took tens of seconds here and
    splicing each hunk into the file's line list made applying quadratic."""
    count = 60_000
    base = "".join(f"line {i}\n" for i in range(3 * count))
    hunks = [f"@@ -{3 * h + 1},3 +{4 * h + 1},4 @@ def f{h}():\n line {3 * h}\n-line {3 * h + 1}\n"
             f"+LINE {3 * h + 1}\n+extra\n line {3 * h + 2}\n" for h in range(count)]
    patch = parse_diff("diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n" + "".join(hunks))
    [change] = patch.files
    assert (len(change.hunks), change.added_lines, change.removed_lines) == (
        count, 2 * count, count)
    assert change.hunks[-1].section == f"def f{count - 1}():"
    expected = "".join(f"line {3 * h}\nLINE {3 * h + 1}\nextra\nline {3 * h + 2}\n"
                       for h in range(count))
    assert apply_file(change, base) == expected


def test_applying_by_lines_places_hunks_as_applying_the_text() -> None:
    """The line form (what RepoView uses for files ending in a newline, without CR) gives
    the text form's lines, shifted and out-of-order hunks included; a hunk line without a
    newline or with a CR leaves it to the text form."""
    base = tuple(LINES.splitlines())
    for diff in ("--- a/f.txt\n+++ b/f.txt\n@@ -30,3 +30,3 @@\n line 30\n-line 31\n+THIRTY-ONE\n"
                 " line 32\n@@ -3,3 +3,4 @@\n line 3\n-line 4\n+FOUR\n+four\n line 5\n",
                 "--- a/f.txt\n+++ b/f.txt\n@@ -12,2 +12,1 @@\n-line 10\n line 11\n",
                 "--- a/f.txt\n+++ b/f.txt\n@@ -38,3 +38,3 @@\n line 38\n line 39\n-line 40\n"
                 "+forty\n"):
        [change] = parse_diff(diff).files
        assert apply_file_lines(change, base) == apply_file(change, LINES).splitlines()
    for diff in ("--- a/f.txt\n+++ b/f.txt\n@@ -40 +40 @@\n-line 40\n+forty\n"
                 "\\ No newline at end of file\n",
                 "--- a/f.txt\n+++ b/f.txt\n@@ -40 +40 @@\n-line 40\n+forty\r\n"):
        [change] = parse_diff(diff).files
        assert apply_file_lines(change, base) is None
    [rejected] = parse_diff("--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-nowhere\n+x\n").files
    with pytest.raises(HunkRejected, match="hunk 1"):
        apply_file_lines(rejected, base)


def test_hunks_out_of_order_apply_where_their_context_is() -> None:
    diff = ("--- a/f.txt\n+++ b/f.txt\n@@ -30,3 +30,3 @@\n line 30\n-line 31\n+THIRTY-ONE\n"
            " line 32\n@@ -3,3 +3,4 @@\n line 3\n-line 4\n+FOUR\n+four\n line 5\n")
    [change] = parse_diff(diff).files
    assert apply_file(change, LINES) == LINES.replace("line 31\n", "THIRTY-ONE\n").replace(
        "line 4\n", "FOUR\nfour\n")


@pytest.mark.parametrize("name", ["with space.py", "tab\there.py", 'quote".py', "ünï.py"])
def test_file_names_git_quotes_or_leaves_spaces_in(name: str, make_repo) -> None:
    repo = make_repo()
    base = repo.commit({name: "a\nb\n", "other name.txt": "x\n"})
    head = repo.commit({name: "a\nB\n", "other name.txt": None, "new name.txt": "x\n"})
    diff = repo.diff(base, head, "-M")
    changes = {(f.status, f.old_path, f.new_path) for f in parse_diff(diff).files}
    assert changes == {("modified", name, name),
                       ("renamed", "other name.txt", "new name.txt")}
    view = RepoView(repo.path, base, parse_diff(diff))
    assert view.read(name, Rev.PATCHED).text == "a\nB\n"


def test_a_file_emptied_by_git_stays_a_file(make_repo) -> None:
    repo = make_repo()
    base = repo.commit({"f.txt": "only line\n"})
    head = repo.commit({"f.txt": ""})
    [change] = parse_diff(repo.diff(base, head)).files
    assert change.status == "modified"
    assert RepoView(repo.path, base, parse_diff(repo.diff(base, head))).read(
        "f.txt", Rev.PATCHED).text == ""


@pytest.mark.parametrize(("diff", "message"), [
    ("--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n", r"line 3: hunk is shorter"),
    ("--- a/f\n+++ b/f\n@@ -1,2 +1 @@\n+b\n+c\n-a\n-d\n", r"line 3: hunk is longer"),
    ("@@ -1 +1 @@\n-a\n+b\n", r"line 1: hunk outside a file"),
    ("+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", r"line 1: '\+\+\+' without a '---'"),
])
def test_a_broken_diff_is_one_line_naming_where(diff: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^x\.diff: diff does not parse: {message}"):
        parse_diff(diff, source="x.diff")
