"""Verify a draft: every reference checked against the repository, diff, instance and trajectory.

For code (the drafter's validation loop, review tools)::

    ctx = VerifyContext.from_task(task)            # or VerifyContext.from_parts(repo, base, ...)
    findings = verify_body(body, ctx)              # list[Finding], no file needed
    report = check_body(body, ctx)                 # citations with targets + findings + summary
    report = check_draft(draft, ctx)               # a DraftFile: its trace format checked too

For files: :func:`verify_draft` / :func:`verify_paths` (what ``reasondraft verify`` runs), on
top of :func:`open_checked` -- the one way a command reads a draft.md once, parses it and
verifies it (:func:`open_draft` + ``OpenedDraft.check`` for callers that decide in between).
"""

from reasondraft.verify.check import BodyReport, check_body, check_draft, verify_body
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.findings import CODES, Finding, summarize
from reasondraft.verify.inputs import Repos, Sources
from reasondraft.verify.run import (
    DraftReport,
    OpenedDraft,
    exit_status,
    open_checked,
    open_draft,
    verify_draft,
    verify_paths,
)

__all__ = ["CODES", "BodyReport", "Citation", "DraftReport", "Finding", "OpenedDraft", "Repos",
           "Sources", "Target", "VerifyContext", "check_body", "check_draft", "exit_status",
           "open_checked", "open_draft", "summarize", "verify_body", "verify_draft",
           "verify_paths"]
