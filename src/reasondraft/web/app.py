"""``reasondraft serve``: the review queue and task pages of a folder of task folders.

Routes: ``/`` the queue (``?status=``, ``?sort=``, ``?verify=1``), ``/next?after=NAME`` the
next task to review, ``/task/NAME`` a task page, ``/task/NAME/hash`` the body hash the page
polls to reload when the file changes, ``POST /task/NAME/decide`` approve or reject.

Security: a task is named by its folder's name and looked up among the drafts the folder
holds (:func:`draft_paths`), so no URL reaches a path outside it. Every POST carries the
server's random token (CSRF) and the body hash the page showed: the decision runs through
:func:`reasondraft.review.decide.approve` / ``reject`` -- the lock, the record, the write
are the CLI's -- and is refused when the body hashes otherwise. A request whose Host is
not the served address is refused (DNS rebinding). Every response carries a
Content-Security-Policy allowing only this server's own script and style, no inline
script, no other origin.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reasondraft.document import read_draft
from reasondraft.errors import InputError
from reasondraft.review.decide import ReviewOutcome, approve, reject
from reasondraft.review.report import FAMILY_COLUMNS, age, percent, share_cell
from reasondraft.review.status import STATUSES, DraftStatus, add_verify, scan
from reasondraft.verify import Repos, Sources
from reasondraft.verify.findings import FAMILIES
from reasondraft.verify.inputs import draft_paths
from reasondraft.web.page import TaskPage, build_page, pygments_css

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]
# The order a reviewer works in: what needs a look first.
REVIEW_ORDER = ("modified", "stale", "draft", "broken", "unsigned", "rejected", "approved")
TO_REVIEW = frozenset({"draft", "modified", "stale"})
SORTS: dict[str, Callable[[DraftStatus], Any]] = {
    "review": lambda r: (REVIEW_ORDER.index(r.status), r.path.parent.name),
    "name": lambda r: r.path.parent.name,
    "age": lambda r: -(r.age_seconds or 0),
    "edit": lambda r: -(r.edit_rate or 0.0),
    "errors": lambda r: -(r.errors if r.errors is not None else -1),
}


def templates() -> Environment:
    """Jinja2 with autoescape on for every template: data is text unless it is Markup."""
    env = Environment(loader=PackageLoader("reasondraft.web", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(age=age, percent=percent)
    env.globals.update(families=[(name, FAMILY_COLUMNS[name]) for name in FAMILIES],
                       share=lambda checks, name: share_cell(checks, name)[0])
    return env


STATIC = Path(__file__).parent / "static"


def stylesheet() -> str:
    return (STATIC / "app.css").read_text(encoding="utf-8") + "\n" + pygments_css()


def script() -> str:
    return (STATIC / "app.js").read_text(encoding="utf-8")


class SecurityHeaders:
    """Adds the CSP and its companions to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


@dataclass
class Verified:
    """verify's counts for a draft, as long as its file is unchanged (mtime and size)."""

    stamp: tuple[int, int]
    errors: int
    warnings: int
    checks: dict[str, dict[str, Any]] | None


class Review:
    """One server's state: the folder, the sources, one set of open repositories (git is
    asked from one thread at a time), the CSRF token and verify's counts seen so far."""

    def __init__(self, root: Path, sources: Sources, token: str) -> None:
        self.root = root
        self.sources = sources
        self.token = token
        self.repos = Repos()
        self.lock = threading.Lock()
        self.verified: dict[Path, Verified] = {}

    def drafts(self) -> dict[str, Path]:
        """Task name (its folder's name) -> draft.md, for every draft under the root."""
        return {path.parent.name: path for path in draft_paths(self.root)}

    def draft(self, name: str) -> Path | None:
        return self.drafts().get(name)

    def rows(self, *, verify: bool) -> list[DraftStatus]:
        rows = scan(self.root)
        with self.lock:
            for row in rows:
                if verify:
                    add_verify(row, self.sources, self.repos)
                    if row.errors is not None and row.warnings is not None:
                        self._remember(row.path, row.errors, row.warnings, row.checks)
                else:
                    self._recall(row)
        return rows

    def page(self, name: str, path: Path) -> TaskPage:
        with self.lock:
            page = build_page(path, self.sources, self.repos, name=name)
        if page.summary is not None:
            self._remember(path, page.summary["errors"], page.summary["warnings"],
                           page.checks)
        return page

    def decide(self, path: Path, form: dict[str, str]) -> ReviewOutcome:
        """approve or reject as the form says, bound to the hash the page showed."""
        reviewer, shown = form.get("reviewer", ""), form.get("hash", "")
        note = form.get("note", "").strip() or None
        force = form.get("force") == "on"
        with self.lock:
            if form.get("decision") == "reject":
                return reject(path, reviewer, form.get("reason", ""), note=note, force=force,
                              sources=self.sources, repos=self.repos, shown=shown)
            return approve(path, reviewer, note=note,
                           override=form.get("override", "").strip() or None, force=force,
                           sources=self.sources, repos=self.repos, shown=shown)

    def _stamp(self, path: Path) -> tuple[int, int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _remember(self, path: Path, errors: int, warnings: int,
                  checks: dict[str, dict[str, Any]] | None) -> None:
        stamp = self._stamp(path)
        if stamp is not None:
            self.verified[path] = Verified(stamp, errors, warnings, checks)

    def _recall(self, row: DraftStatus) -> None:
        known = self.verified.get(row.path)
        if known is not None and known.stamp == self._stamp(row.path):
            row.errors, row.warnings, row.checks = known.errors, known.warnings, known.checks

    def close(self) -> None:
        self.repos.close()


MAX_FORM_BYTES = 64 * 1024


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the first value of each), at most MAX_FORM_BYTES;
    parsed here so the extra needs no multipart library."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def next_to_review(rows: list[DraftStatus], after: str | None) -> str | None:
    """The first task after ``after`` (by name, wrapping round) that needs review."""
    names = sorted(row.path.parent.name for row in rows if row.status in TO_REVIEW)
    later = [name for name in names if after is None or name > after]
    pick = later or [name for name in names if name != after]
    return pick[0] if pick else None


class Pages:
    """The route handlers: the queue, a task page, its hash, a decision."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.env = templates()

    def html(self, template: str, code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(static=False, **context),
                            status_code=code)

    def queue(self, request: Request) -> Response:
        params = request.query_params
        verify = params.get("verify") == "1"
        rows = self.review.rows(verify=verify)
        status = params.get("status") or None
        sort = params.get("sort") or "review"
        sort = sort if sort in SORTS else "review"
        shown = sorted((r for r in rows if status in (None, r.status)), key=SORTS[sort])
        counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
        return self.html("queue.html", rows=shown, total=len(rows), counts=counts,
                         status=status, sort=sort, sorts=list(SORTS),
                         verified=any(r.errors is not None for r in rows),
                         next_name=next_to_review(rows, None))

    def next_task(self, request: Request) -> Response:
        name = next_to_review(scan(self.review.root), request.query_params.get("after"))
        return RedirectResponse(f"/task/{quote(name)}" if name else "/", status_code=303)

    def task_page(self, request: Request, *, message: str | None = None,
                  code: int = 200) -> Response:
        name = request.path_params["name"]
        path = self.review.draft(name)
        if path is None:
            return self.html("missing.html", 404, name=name)
        try:
            page = self.review.page(name, path)
        except InputError as exc:  # draft.md itself cannot be read: say why, as the CLI does
            return self.html("missing.html", 400, name=name, problem=str(exc))
        return self.html("task.html", code, page=page, token=self.review.token,
                         message=message)

    def body_hash(self, request: Request) -> Response:
        path = self.review.draft(request.path_params["name"])
        if path is None:
            return JSONResponse({"error": "no such task"}, status_code=404)
        try:
            shown = read_draft(path, strict=False).content_hash
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"hash": shown}, headers={"cache-control": "no-store"})

    async def decide(self, request: Request) -> Response:
        """Token first (403, nothing read or written), then the decision under the lock;
        a refusal shows the page again with why (409), a decision redirects to the page."""
        form = await form_fields(request)
        if not secrets.compare_digest(form.get("token", "").encode(),
                                      self.review.token.encode()):
            return Response("forbidden: this form did not come from the page this server "
                            "made (missing or wrong token)\n", 403, media_type="text/plain")
        name = request.path_params["name"]
        path = self.review.draft(name)
        if path is None:
            return self.html("missing.html", 404, name=name)
        try:
            outcome = await run_in_threadpool(self.review.decide, path, form)
        except InputError as exc:
            return await run_in_threadpool(self.task_page, request, message=f"refused: {exc}",
                                           code=409)
        if not outcome.written:
            errors = outcome.report.summary["errors"]
            return await run_in_threadpool(
                self.task_page, request, code=409,
                message=f"refused: verify finds {errors} error(s); approve with an override "
                        "reason, or reject")
        return RedirectResponse(f"/task/{quote(name)}", status_code=303)


def asset(body: str, media: str) -> Callable[[Request], Response]:
    """A handler serving one of our own files (built once, at start)."""
    def handler(_request: Request) -> Response:
        return Response(body, media_type=media, headers={"cache-control": "no-cache"})
    return handler


def create_app(root: Path, sources: Sources, *, allowed_hosts: Sequence[str],
               token: str | None = None) -> Starlette:
    """The ASGI app serving ``root``; requests must name one of ``allowed_hosts``."""
    review = Review(root, sources, token or secrets.token_urlsafe(32))
    pages = Pages(review)
    app = Starlette(routes=[
        Route("/", pages.queue), Route("/next", pages.next_task),
        Route("/task/{name}", pages.task_page), Route("/task/{name}/hash", pages.body_hash),
        Route("/task/{name}/decide", pages.decide, methods=["POST"]),
        Route("/static/app.css", asset(stylesheet(), "text/css")),
        Route("/static/app.js", asset(script(), "text/javascript")),
    ], middleware=[Middleware(SecurityHeaders),
                   Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))])
    app.state.review = review
    return app
