"""Verify a draft: every reference checked against the repository, diff, instance and trajectory.

For code (the drafter's validation loop, review tools)::

    ctx = VerifyContext.from_task(task)            # or VerifyContext.from_parts(repo, base, ...)
    findings = verify_body(body, ctx)              # list[Finding], no file needed
    report = check_body(body, ctx)                 # citations with targets + findings + summary
    report = check_draft(draft, ctx)               # a DraftFile: its trace format checked too

For files: :func:`verify_draft` / :func:`verify_paths` (what ``reasondraft verify`` runs).
"""

from reasondraft.verify.agentpath import check_agent_path
from reasondraft.verify.check import BodyReport, check_body, check_draft, verify_body
from reasondraft.verify.citation import Citation, Target
from reasondraft.verify.context import VerifyContext
from reasondraft.verify.evidence import EVIDENCE_CHECKS
from reasondraft.verify.findings import CODES, Finding, summarize
from reasondraft.verify.hindsight import check_hindsight
from reasondraft.verify.inputs import Repos, Sources
from reasondraft.verify.run import DraftReport, exit_status, verify_draft, verify_paths
from reasondraft.verify.stepclaims import check_step_claims

EVIDENCE_CHECKS.append(check_hindsight)  # RD-H: hindsight, grounded in time
EVIDENCE_CHECKS.append(check_agent_path)  # RD-A: the agent path is covered
EVIDENCE_CHECKS.append(check_step_claims)  # RD-O: test claims against the cited step's output

__all__ = ["CODES", "BodyReport", "Citation", "DraftReport", "Finding", "Repos", "Sources",
           "Target", "VerifyContext", "check_body", "check_draft", "exit_status", "summarize",
           "verify_body", "verify_draft", "verify_paths"]
