"""``reasondraft serve`` over HTTP (Starlette's test client) and ``show --html``: the queue,
the task page with every reference, hostile content escaped, the CSRF token, the Host
check, path confinement, and decisions written exactly as the CLI writes them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from reasondraft.document import read_draft
from reasondraft.review import approve, reject
from reasondraft.verify import Sources, verify_draft
from reasondraft.web import require
from reasondraft.web.app import CSP, create_app, next_to_review
from reasondraft.web.serve import allowed_hosts

TOKEN = "test-token"
NAME = "calc__calc-1"
HOSTILE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> "
           "[click](javascript:alert(3)) </textarea><b>bold</b>")


def client(root: Path, **kw: object) -> TestClient:
    app = create_app(root, Sources(), allowed_hosts=["127.0.0.1"], token=TOKEN)
    return TestClient(app, base_url="http://127.0.0.1", **kw)  # type: ignore[arg-type]


def shown_hash(page: str) -> str:
    found = re.search(r'name="hash" value="(sha256:[0-9a-f]{64})"', page)
    assert found is not None
    return found.group(1)


def post(http: TestClient, fields: dict[str, str], name: str = NAME):
    return http.post(f"/task/{name}/decide", data=fields, follow_redirects=False)


@pytest.fixture
def http(task) -> TestClient:
    return client(task.folder.parent)


@pytest.mark.usefixtures("task")
def test_queue_lists_every_task_with_its_status(project, tmp_path, http) -> None:
    other = project.task(tmp_path / "drafts" / "calc__calc-2", instance_id="calc__calc-2")
    reject(other.folder, "bob", "cites the wrong line")
    page = http.get("/")
    assert page.status_code == 200
    assert '<td><a href="/task/calc__calc-1">' in page.text
    assert '<td><a href="/task/calc__calc-2">' in page.text
    assert ">draft</span>" in page.text
    assert ">rejected</span>" in page.text
    assert "next to review: calc__calc-1" in page.text
    assert http.get(f"/task/{NAME}").status_code == 200  # verify's counts reach the queue
    seen = http.get("/").text
    assert '<td class="n">0</td>' in seen
    assert ">refs</th>" in seen
    assert ">100%</td>" in seen
    only = http.get("/?status=rejected").text
    assert "calc__calc-2" in only
    assert '<td><a href="/task/calc__calc-1">' not in only


@pytest.mark.usefixtures("task")
def test_next_goes_to_the_next_task_to_review(project, tmp_path, http) -> None:
    project.task(tmp_path / "drafts" / "calc__calc-2", instance_id="calc__calc-2")
    third = project.task(tmp_path / "drafts" / "calc__calc-3", instance_id="calc__calc-3")
    approve(third.folder, "alice")
    moved = http.get("/next?after=calc__calc-1", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/task/calc__calc-2"
    wrapped = http.get("/next?after=calc__calc-2", follow_redirects=False)
    assert wrapped.headers["location"] == "/task/calc__calc-1"  # calc-3 is approved


def test_the_queue_marks_an_approval_with_an_override(task, http) -> None:
    task.write_body(task.body().replace("[[pkg/calc.py#L4-L5]]", "[[pkg/calc.py#L40]]"))
    approve(task.folder, "alice", override="the line numbers moved upstream")
    row = http.get("/").text
    assert ">approved (override)</span>" in row
    assert 'title="override: the line numbers moved upstream"' in row


def test_next_to_review_skips_decided_tasks(task) -> None:
    from reasondraft.review import scan

    approve(task.folder, "alice")
    assert next_to_review(scan(task.folder.parent), None) is None


def test_the_task_page_has_every_reference_with_its_panel(task, http) -> None:
    page = http.get(f"/task/{NAME}")
    assert page.status_code == 200
    citations = verify_draft(task.draft).citations
    assert len(citations) == 11
    for index, citation in enumerate(sorted(citations,
                                            key=lambda c: (c.line, c.occurrence.column))):
        assert f'href="#ref-{index}"' in page.text
        assert f'id="ref-{index}"' in page.text
        assert f"[[{citation.raw}]]" in page.text
    assert page.text.count('class="tab panel"') == 11
    assert 'class="ref ok" id="cite-0"' in page.text
    assert "11 references, 0 errors, 0 warnings" in page.text


def test_a_code_reference_shows_the_cited_lines_marked(http) -> None:
    page = http.get(f"/task/{NAME}").text
    panel = page[page.index('id="ref-0"'):]
    panel = panel[:panel.index("</section>")]
    assert "pkg/calc.py @base L4-L5" in panel
    assert '<span class="hll">' in panel  # the cited lines, highlighted by Pygments
    assert "subtracts" not in panel
    assert "return" in panel


def test_step_references_show_the_step_and_the_trajectory_tab_marks_it(http) -> None:
    page = http.get(f"/task/{NAME}").text
    assert 'class="step cited" id="step-2"' in page
    assert "pytest tests/test_calc.py" in page
    assert "FAILED tests/test_calc.py::test_add - assert -1 == 5" in page
    assert 'class="step" id="step-1"' not in page  # step 1 is cited too (trajectory_steps)


def test_the_diff_tab_marks_hunks_with_the_references_that_cover_them(task, http) -> None:
    page = http.get(f"/task/{NAME}").text
    diff = page[page.index('id="tab-diff"'):page.index('id="tab-trajectory"')]
    assert "pkg/calc.py#L5@patched" in diff
    assert "not cited by any reference" not in diff
    task.write_body(task.body().replace("[[pkg/calc.py#L5@patched]]", "the fix")
                    .replace("[[pkg/calc.py#L4-L5]]", "x").replace("[[pkg/calc.py::add]]", "y")
                    .replace("```quote pkg/calc.py#L5", "```python"))
    diff = http.get(f"/task/{NAME}").text
    assert "not cited by any reference" in diff


def test_hostile_content_is_shown_as_text(task, http) -> None:
    trajectory = json.loads((task.folder / "trajectory.json").read_text())
    trajectory[3]["content"] = HOSTILE
    (task.folder / "trajectory.json").write_text(json.dumps(trajectory))
    instance = json.loads((task.folder / "task.json").read_text())
    instance["problem_statement"] = HOSTILE
    (task.folder / "task.json").write_text(json.dumps(instance))
    task.write_body(task.body() + "\n" + HOSTILE + "\n\n<script>alert(4)</script>\n")
    page = http.get(f"/task/{NAME}").text
    assert "<script>alert" not in page
    assert "<img" not in page
    assert "<b>" not in page
    assert "javascript:" not in page.replace("[click](javascript:alert(3))", "")
    assert "</textarea>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;img src=x onerror=alert(2)&gt;") >= 3  # trace, step, issue
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/app.js" defer>']


def test_every_response_carries_the_content_security_policy(http) -> None:
    for url in ("/", f"/task/{NAME}", "/static/app.js", "/task/nope"):
        response = http.get(url)
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert "http" not in CSP


def test_a_request_for_another_host_is_refused(task) -> None:
    before = task.draft.read_bytes()
    rebound = TestClient(create_app(task.folder.parent, Sources(), allowed_hosts=["127.0.0.1"],
                                    token=TOKEN), base_url="http://evil.example")
    assert rebound.get("/").status_code == 400
    answer = rebound.post(f"/task/{NAME}/decide", data={"token": TOKEN, "reviewer": "a"})
    assert answer.status_code == 400
    assert task.draft.read_bytes() == before


def test_paths_cannot_leave_the_folder(task, tmp_path, http) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    shutil.copytree(task.folder, secret / "draft")
    for name in ("%2e%2e", "..%2Fsecret", "..%2F..%2Fetc%2Fpasswd", "secret", "draft"):
        assert http.get(f"/task/{name}").status_code == 404, name
    assert http.get(f"/task/{NAME}/..%2F..%2Fsecret").status_code == 404


def test_a_post_without_the_token_is_refused_and_writes_nothing(task, http) -> None:
    before = task.draft.read_bytes()
    shown = shown_hash(http.get(f"/task/{NAME}").text)
    for token in (None, "", "wrong"):
        fields = {"decision": "approve", "reviewer": "mallory", "hash": shown}
        if token is not None:
            fields["token"] = token
        answer = post(http, fields)
        assert answer.status_code == 403
        assert "token" in answer.text
    assert task.draft.read_bytes() == before
    assert sorted(p.name for p in task.folder.iterdir()) == [
        "draft.generated.md", "draft.md", "patch.diff", "task.json", "trajectory.json"]


def test_approving_from_the_page_writes_what_the_cli_writes(project, task, tmp_path,
                                                           http) -> None:
    twin = project.task(tmp_path / "twin" / NAME)
    shown = shown_hash(http.get(f"/task/{NAME}").text)
    answer = post(http, {"token": TOKEN, "hash": shown, "decision": "approve",
                         "reviewer": "alice", "note": "checked every line"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/task/{NAME}"
    approve(twin.folder, "alice", note="checked every line")
    web, cli = read_draft(task.draft), read_draft(twin.draft)
    assert web.body == cli.body
    assert web.content_hash == shown
    web_review = {k: v for k, v in web.front["review"].items() if k != "time"}
    cli_review = {k: v for k, v in cli.front["review"].items() if k != "time"}
    assert web_review == cli_review
    assert web_review["content_hash"] == shown
    assert web_review["inputs"] is not None
    assert web.front["status"] == "approved"
    assert ">approved</span>" in http.get(f"/task/{NAME}").text


def test_a_decision_on_a_changed_file_is_refused(task, http) -> None:
    shown = shown_hash(http.get(f"/task/{NAME}").text)
    task.write_body(task.body() + "\nAn annotator's edit.\n")
    edited = task.draft.read_bytes()
    answer = post(http, {"token": TOKEN, "hash": shown, "decision": "approve",
                         "reviewer": "alice"})
    assert answer.status_code == 409
    assert "changed on disk since the page showed it" in answer.text
    assert task.draft.read_bytes() == edited
    rejected = post(http, {"token": TOKEN, "hash": shown, "decision": "reject",
                           "reviewer": "alice", "reason": "no"})
    assert rejected.status_code == 409
    assert task.draft.read_bytes() == edited


def test_an_unreadable_draft_is_one_message_not_a_crash(task, http) -> None:
    task.draft.write_bytes(b"---\nstatus: draft\n---\n\xff\xfe not UTF-8\n")
    page = http.get(f"/task/{NAME}")
    assert page.status_code == 400
    assert "error: " in page.text
    assert "UTF-8" in page.text
    assert http.get(f"/task/{NAME}/hash").status_code == 400


def test_the_page_polls_the_body_hash_to_reload(task, http) -> None:
    page = http.get(f"/task/{NAME}").text
    shown = shown_hash(page)
    assert f'data-hash="{shown}" data-poll="/task/{NAME}/hash"' in page
    assert http.get(f"/task/{NAME}/hash").json() == {"hash": shown}
    task.write_body(task.body() + "\nMore.\n")
    assert http.get(f"/task/{NAME}/hash").json()["hash"] != shown


def test_rejecting_from_the_page_records_the_reason(task, http) -> None:
    shown = shown_hash(http.get(f"/task/{NAME}").text)
    answer = post(http, {"token": TOKEN, "hash": shown, "decision": "reject",
                         "reviewer": "bob", "reason": "step 2 is vague"})
    assert answer.status_code == 303
    review = read_draft(task.draft).front["review"]
    assert (review["decision"], review["reviewer"], review["reason"]) == \
        ("rejected", "bob", "step 2 is vague")


def test_approving_a_draft_with_errors_needs_an_override(task, http) -> None:
    task.write_body(task.body().replace("[[pkg/calc.py#L4-L5]]", "[[pkg/calc.py#L40]]"))
    page = http.get(f"/task/{NAME}").text
    assert 'name="override" required' in page
    shown = shown_hash(page)
    before = task.draft.read_bytes()
    refused = post(http, {"token": TOKEN, "hash": shown, "decision": "approve",
                          "reviewer": "alice"})
    assert refused.status_code == 409
    assert "verify finds 1 error(s)" in refused.text
    assert task.draft.read_bytes() == before
    done = post(http, {"token": TOKEN, "hash": shown, "decision": "approve",
                       "reviewer": "alice", "override": "the line moved; fixed upstream"})
    assert done.status_code == 303
    assert read_draft(task.draft).front["review"]["override"] == \
        "the line moved; fixed upstream"


def test_the_hosts_a_server_accepts() -> None:
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "::1", "[::1]"]
    assert allowed_hosts("192.0.2.7") == ["192.0.2.7"]


def test_show_html_writes_one_self_contained_page(task, tmp_path, cli) -> None:
    out = tmp_path / "page.html"
    result = cli("show", task.folder, "--html", out)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    nonce = re.search(r"script-src 'nonce-([A-Za-z0-9_-]+)'", page)
    assert nonce is not None
    assert f'<style nonce="{nonce.group(1)}">' in page
    assert re.findall(r"<script\b[^>]*>", page) == [f'<script nonce="{nonce.group(1)}">']
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "<link" not in page
    assert "<form" not in page
    assert page.count('class="tab panel"') == 11
    assert "def add(a, b):" in page


def test_show_html_escapes_hostile_content(task, tmp_path, cli) -> None:
    task.write_body(task.body() + "\n" + HOSTILE + "\n")
    out = tmp_path / "page.html"
    assert cli("show", task.folder, "--html", out).exit_code == 0
    page = out.read_text()
    assert "<script>alert" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_show_html_onto_a_folder_is_one_line(task, tmp_path, cli) -> None:
    result = cli("show", task.folder, "--html", tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_without_the_web_extra_one_line_says_what_to_install(task, monkeypatch, cli) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "starlette" else real(name, *a))
    with pytest.raises(Exception, match=r"install reasondraft\[web\]"):
        require("serve")
    result = cli("serve", task.folder.parent, "--no-open")
    assert result.exit_code == 2
    assert "install reasondraft[web]" in result.output
    assert "Traceback" not in result.output


def test_review_commands_do_not_import_the_web_stack(task, heavy_modules_after) -> None:
    folder = str(task.folder)
    assert heavy_modules_after(["show", folder], ["status", folder], ["verify", folder]) == []


def test_serve_prints_its_url_first_and_serves(task) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "reasondraft", "serve",
                             str(task.folder.parent), "--port", "0", "--no-open"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        page = httpx.get(url + f"task/{NAME}", timeout=60)  # listening before it printed
        assert page.status_code == 200
        assert "[[pkg/calc.py#L4-L5]]" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_on_an_empty_folder_is_one_line(tmp_path, cli) -> None:
    result = cli("serve", tmp_path, "--no-open")
    assert result.exit_code == 2
    assert "no draft.md" in result.output


def test_serving_beyond_this_machine_warns(task) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "reasondraft", "serve",
                             str(task.folder.parent), "--host", "0.0.0.0", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://0\.0\.0\.0:\d+/", url)
        assert "warning: serving on 0.0.0.0, reachable from other machines" in \
            proc.stderr.readline()
        port = url.rsplit(":", 1)[1].strip("/")
        refused = httpx.get(f"http://127.0.0.1:{port}/", headers={"host": "evil.example"},
                            timeout=60)
        assert refused.status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_code_window_inside_a_docstring_is_coloured_as_the_file_is() -> None:
    """A window that starts inside a docstring: its closing quotes end a string and the code
    after them is code (lexed alone, the quotes would open a string instead)."""
    from reasondraft.web.page import highlighted

    source = ['"""Module docstring,', *["more of the docstring"] * 10, '"""', "", "",
              "def merge(base):", "    return dict(base)"]
    html = highlighted("m.py", source, 11, [5])
    assert "more of the docstring" in html
    assert "Module docstring" not in html
    assert re.search(r'<span class="k">def</span>', html)
