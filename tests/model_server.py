"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks.

It exercises the real HTTP path of litellm (``model="openai/<name>"``,
``api_base=server.url``). Each request takes the next scripted :class:`Reply` (the last one
repeats); a reply's ``answer`` is sent as the fixture provider sends a recorded one
(:func:`reasondraft.draft.fixture.answer_message`): a tool call when the request offers
tools, else message content, like a real provider.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reasondraft.draft.fixture import answer_message


@dataclass
class Reply:
    answer: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str | None = None
    delay: float = 0.0
    echo_authorization: bool = False  # an error body that quotes the request's header


class LocalServer:
    """Start with ``with LocalServer([...]) as server:``; ``server.requests`` records bodies."""

    def __init__(self, replies: list[Reply] | Callable[[dict[str, Any]], Reply]) -> None:
        self.replies = replies
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_state": self,
                                               "disable_nagle_algorithm": True,
                                               "protocol_version": "HTTP/1.1"})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if callable(self.replies):
                return self.replies(body)
            return self.replies[min(len(self.requests), len(self.replies)) - 1]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion_body(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message, finish = answer_message(reply.answer, body.get("tools"), body.get("messages", []))
    return {"id": "chatcmpl-local", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "local"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": reply.finish_reason or finish}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}}


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops a burst of connections (a batch opens 16 at once)
    # and the client retries them a second later.
    request_queue_size = 256


class _Handler(BaseHTTPRequestHandler):
    server_state: LocalServer

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        reply = self.server_state.next_reply(body)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status == 200:
            payload = completion_body(body, reply)
        else:
            message = f"scripted status {reply.status}"
            if reply.echo_authorization:
                message += f"; Authorization: {self.headers.get('authorization')}"
            payload = {"error": {"message": message, "type": "server_error",
                                 "code": reply.status}}
        data = json.dumps(payload).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""
