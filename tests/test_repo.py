"""RepoView reads files at a commit and after a diff, through git's object database only."""

from __future__ import annotations

import os

import git
import pytest

from reasondraft.diff import parse_diff
from reasondraft.errors import InputError
from reasondraft.repo import GitRepo, RepoView, Rev, UnsafePath, clean_path


@pytest.fixture
def project(make_repo):
    repo = make_repo()
    base = repo.commit({
        "pkg/__init__.py": "",
        "pkg/core.py": "def f():\n    return 1\n",
        "docs/latin1.txt": "caf\xe9\n".encode("latin-1"),
        "assets/blob.bin": b"\x89PNG\r\n\x1a\n\0\0\0",
    })
    repo.repo.create_tag("v1.0")
    head = repo.commit({"pkg/core.py": "def f():\n    return 2\n", "pkg/new.py": "X = 1\n",
                        "docs/latin1.txt": None})
    diff = repo.diff(base, head)
    repo.repo.git.checkout(base)  # the work tree must not matter: leave it elsewhere
    return repo, base, head, parse_diff(diff)


def test_base_and_patched_views(project) -> None:
    repo, base, _, patch = project
    view = RepoView(repo.path, base, patch)
    assert view.lines("pkg/core.py") == ("def f():", "    return 1")
    assert view.lines("pkg/core.py", Rev.PATCHED) == ("def f():", "    return 2")
    assert not view.exists("pkg/new.py")
    assert view.exists("pkg/new.py", Rev.PATCHED)
    assert view.exists("docs/latin1.txt")
    assert not view.exists("docs/latin1.txt", Rev.PATCHED)
    assert "pkg/new.py" in view.files(Rev.PATCHED)
    assert "docs/latin1.txt" not in view.files(Rev.PATCHED)
    assert view.files() == sorted(
        ["assets/blob.bin", "docs/latin1.txt", "pkg/__init__.py", "pkg/core.py"])


def test_work_tree_is_never_read(project) -> None:
    repo, base, _, _ = project
    (repo.path / "pkg/core.py").write_text("garbage in the work tree\n")
    (repo.path / "untracked.py").write_text("x\n")
    view = RepoView(repo.path, base)
    assert view.lines("pkg/core.py") == ("def f():", "    return 1")
    assert not view.exists("untracked.py")


@pytest.mark.parametrize("rev", ["full", "short", "v1.0", "main"])
def test_base_by_sha_tag_or_branch(project, rev: str) -> None:
    repo, base, head, _ = project
    name = {"full": base, "short": base[:7]}.get(rev, rev)
    expected = head if rev == "main" else base
    assert RepoView(repo.path, name).base_commit == expected


def test_bare_repository(project, tmp_path) -> None:
    repo, base, _, patch = project
    bare = git.Repo.clone_from(repo.path, tmp_path / "mirror.git", bare=True)
    bare.close()
    view = RepoView(tmp_path / "mirror.git", base[:10], patch)
    assert view.lines("pkg/core.py", Rev.PATCHED)[1] == "    return 2"


def test_non_utf8_is_flagged_and_binary_recognized(project) -> None:
    repo, base, _, _ = project
    view = RepoView(repo.path, base)
    latin = view.read("docs/latin1.txt")
    assert latin.lossy
    assert latin.lines == ("caf\ufffd",)
    assert view.read("assets/blob.bin").binary


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", "pkg/../../x", "", "a\0b"])
def test_paths_leaving_the_tree_are_refused(project, path: str) -> None:
    repo, base, _, _ = project
    with pytest.raises(UnsafePath):
        RepoView(repo.path, base).read(path)


def test_symlinks_inside_are_followed_outside_refused(make_repo) -> None:
    repo = make_repo()
    (repo.path / "real.py").write_text("A = 1\n")
    os.symlink("real.py", repo.path / "alias.py")
    os.symlink("../../etc/passwd", repo.path / "escape")
    repo.repo.index.add(["real.py", "alias.py", "escape"])
    sha = repo.repo.index.commit("links").hexsha
    view = RepoView(repo.path, sha)
    assert view.lines("alias.py") == ("A = 1",)
    with pytest.raises(UnsafePath, match="outside"):
        view.read("escape")


def test_clean_path_normalizes() -> None:
    assert clean_path("./pkg//core.py") == "pkg/core.py"


def test_bad_repo_and_commit(project, tmp_path) -> None:
    repo, _, _, _ = project
    with pytest.raises(InputError, match="not a git repository"):
        RepoView(tmp_path, "HEAD")
    with pytest.raises(InputError, match="does not exist"):
        RepoView(tmp_path / "nope", "HEAD")
    with pytest.raises(InputError, match="'deadbeef' is not in the repository"):
        RepoView(repo.path, "deadbeef")


def test_diff_that_does_not_apply_at_base(project) -> None:
    repo, base, _, _ = project
    bad = parse_diff("--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -1,2 +1,2 @@\n def g():\n"
                     "-    return 1\n+    return 3\n", source="fix.diff")
    with pytest.raises(InputError, match=r"fix\.diff: pkg/core\.py: hunk 1"):
        RepoView(repo.path, base, bad).check_patch()
    missing = parse_diff("--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(InputError, match="not in the repository"):
        RepoView(repo.path, base, missing).check_patch()


@pytest.mark.parametrize("rev", ["HEAD:pkg/core.py", "HEAD^{tree}", "no such", "a\nb", "-h",
                                 ""])
def test_revisions_that_name_no_commit(project, rev: str) -> None:
    repo, _, _, _ = project
    with pytest.raises(InputError, match=r"is not in the repository|invalid revision"):
        RepoView(repo.path, rev)


def test_one_cat_file_stream_serves_resolves_reads_and_read_ahead(project) -> None:
    """Revisions, single blobs and prefetched blobs share one process; answers stay in step."""
    repo, base, head, _ = project
    with GitRepo(repo.path) as git:
        tree = git.tree(git.resolve(base))
        shas = [entry.binsha for entry in tree.values()]
        git.prefetch(shas)  # answers not read yet ...
        assert git.blob(shas[1]) == git.blob(shas[1])  # ... read up to the one wanted ...
        assert git.resolve("v1.0") == base  # ... and the rest when another request comes
        assert git.resolve("main~1") == base
        assert git.resolve("main") == head
        assert git.blob(tree["pkg/core.py"].binsha) == b"def f():\n    return 1\n"
        with pytest.raises(InputError, match="missing"):
            git.blob(b"\x01" * 20)
        assert git.blob(tree["assets/blob.bin"].binsha).startswith(b"\x89PNG")


def test_a_blob_is_decoded_once_for_every_view_of_the_repository(make_repo) -> None:
    """Each draft of a folder has its own view: the files they share are decoded once."""
    repo = make_repo()
    base = repo.commit({"a.py": "x = 1\n", "b.py": "x = 1\n"})
    with GitRepo(repo.path) as shared:
        first, second = RepoView(shared, base), RepoView(shared, base)
        a = first.read("a.py")
        assert a is not None
        assert second.read("a.py") is a
        b = second.read("b.py")  # the same blob under another path
        assert b is not None
        assert b.path == "b.py"
        assert b.lines is a.lines
