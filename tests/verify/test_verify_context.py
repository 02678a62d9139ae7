"""The context's caches and batched reads give the same answers as plain reads."""

from __future__ import annotations

from reasondraft.repo import GitRepo, RepoView, Rev
from reasondraft.verify import VerifyContext, verify_body


def test_prefetch_reads_what_single_reads_read(project) -> None:
    with GitRepo(project.path) as git:
        tree = git.tree(git.resolve(project.base))
        shas = [entry.binsha for entry in tree.values()]
        git.prefetch([*shas, b"\x01" * 20])  # a missing object is skipped, not fatal
        batched = {sha: git.blob(sha) for sha in shas}
    with GitRepo(project.path) as fresh:
        assert batched == {sha: fresh.blob(sha) for sha in shas}
    assert batched[tree["pkg/crlf.py"].binsha].endswith(b"\r\n")


def test_one_context_serves_many_drafts(project) -> None:
    with GitRepo(project.path) as git:
        ctx = VerifyContext.from_parts(git, project.base, instance=project.instance)
        other = VerifyContext.from_parts(RepoView(git, project.base), patch=None)
        for _ in range(3):
            assert verify_body("[[pkg/core.py::Session.host]] [[pkg/core.py#L4]]\n", ctx) == []
        assert ctx.read("pkg/core.py") is ctx.read("pkg/core.py")
        assert other.read("pkg/core.py", Rev.PATCHED).lines == ctx.read("pkg/core.py").lines
