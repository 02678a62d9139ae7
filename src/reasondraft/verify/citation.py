"""A reference as written in a draft, what it resolved to, and the findings about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reasondraft.refs import Block, FileRef, Occurrence, Ref
from reasondraft.repo import FileText, Rev
from reasondraft.verify.findings import Finding, finding


@dataclass(frozen=True, slots=True)
class Target:
    """The file a reference resolved to; ``start``/``end`` (1-based) narrow it to lines."""

    path: str
    rev: Rev
    file: FileText
    start: int | None = None
    end: int | None = None

    @property
    def lines(self) -> tuple[str, ...]:
        """The cited lines (all of them for a whole file)."""
        if self.start is None or self.end is None:
            return self.file.lines
        return self.file.lines[self.start - 1:self.end]


@dataclass
class Citation:
    """One occurrence of a reference in a draft; ``line`` counts in draft.md."""

    occurrence: Occurrence
    line: int
    target: Target | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return self.occurrence.raw

    @property
    def ref(self) -> Ref | None:
        return self.occurrence.ref

    @property
    def file_ref(self) -> FileRef:
        """The reference as a FileRef (only for checks that run on file references)."""
        assert isinstance(self.occurrence.ref, FileRef)
        return self.occurrence.ref

    @property
    def block(self) -> Block:
        return self.occurrence.block

    @property
    def quote(self) -> tuple[str, ...] | None:
        return self.occurrence.quote

    def add(self, code: str, message: str, suggestion: str | None = None, *,
            fixable: bool = False) -> None:
        self.findings.append(finding(code, self.line, message, ref=self.raw,
                                     suggestion=suggestion, fixable=fixable))

    def to_dict(self) -> dict[str, Any]:
        """JSON form for review tools: the reference, where it is, what it points at."""
        target = self.target
        return {
            "ref": self.raw, "line": self.line, "column": self.occurrence.column,
            "quote": self.quote is not None,
            "kind": type(self.ref).__name__.removesuffix("Ref").lower() if self.ref else None,
            "path": target.path if target else None,
            "rev": target.rev.value if target else None,
            "start": target.start if target else None,
            "end": target.end if target else None,
            "lines": list(target.lines) if target and target.start is not None else None,
            "findings": [f.code for f in self.findings],
        }
