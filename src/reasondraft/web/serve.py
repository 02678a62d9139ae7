"""Run the review app with uvicorn on a socket bound here, so ``--port 0`` can print the
port the system picked on the first line of stdout before anything else."""

from __future__ import annotations

import ipaddress
import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn

from reasondraft.verify import Sources
from reasondraft.web.app import create_app

LOOPBACK_NAMES = ("localhost",)
BACKLOG = 2048  # uvicorn's default


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> list[str]:
    """The Host headers to accept: the served address (and localhost's names for a
    loopback one); for a wildcard address, this machine's names as well."""
    hosts = [host]
    if is_loopback(host):
        hosts += ["localhost", "127.0.0.1", "::1", "[::1]"]
    elif host in ("0.0.0.0", "::"):
        hosts += [socket.gethostname(), socket.getfqdn(), "localhost", "127.0.0.1"]
    return list(dict.fromkeys(hosts))


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)  # before the URL is printed: a client that reads it may connect
    return sock


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(directory: Path, sources: Sources, *, host: str, port: int, open_browser: bool,
          say: Callable[[str], None], warn: Callable[[str], None]) -> None:
    """Serve until interrupted; ``say`` prints the URL (first), ``warn`` to stderr."""
    app = create_app(directory, sources, allowed_hosts=allowed_hosts(host))
    sock = bind(host, port)
    url = url_of(host, sock.getsockname()[1])
    say(url)
    if not is_loopback(host):
        warn(f"warning: serving on {host}, reachable from other machines; anyone who can "
             "reach it can read every task in the folder (the decision forms need the "
             "page's token)")
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.review.close()
        sock.close()
