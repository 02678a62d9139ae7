"""The quality of a batch beyond verify (docs/quality.md): how far two traces of one task
agree (:mod:`.compare`), and how well reviewers catch defects the verifier cannot see
(:mod:`.plant` writes drafts with known defects, :mod:`.calibration` scores the decisions).

None of it imports the LLM stack: these are review commands.
"""
