"""SSH signatures over review records: ``approve --sign KEY``, ``--allowed-signers FILE``.

A record is only text in a file: whoever can write the file can type one, hashes and all.
A signature makes it prove who decided. ``approve --sign KEY`` runs ``ssh-keygen -Y sign
-n reasondraft -f KEY`` (the mechanism git uses for signed commits) over the record's
canonical form (:meth:`ReviewRecord.canonical`: every field but the signature -- decision,
reviewer, time, notes, the body hash, the verify summary, the input hashes, and author,
scores and codes when the record has them -- as sorted, compact JSON behind the tag
``reasondraft-review/1``) and stores the signature's base64
in the record, on one line (the BEGIN/END armor is put back to verify it). ``status`` and
``export`` given ``--allowed-signers FILE`` (ssh-keygen's format: ``alice ssh-ed25519
AAAA...`` per line) check each approval with ``ssh-keygen -Y verify -n reasondraft -I
<reviewer>``: the signature must be by a key the file lists for that reviewer.
``--require-signed`` then counts only verified approvals as approved; the others are
``unsigned``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from reasondraft.errors import InputError
from reasondraft.review.record import ReviewRecord, Signature, Standing

NAMESPACE = "reasondraft"
ARMOR = ("-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----")


def ssh_keygen() -> str:
    """The ssh-keygen program, or an InputError saying it is needed."""
    found = shutil.which("ssh-keygen")
    if found is None:
        raise InputError("ssh-keygen not found on PATH: signing and checking review "
                         "signatures need OpenSSH's ssh-keygen")
    return found


def _run(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """ssh-keygen with ``data`` on stdin (an argument list: no shell sees any of it)."""
    try:
        return subprocess.run(args, input=data, capture_output=True, check=False)
    except OSError as exc:
        raise InputError(f"cannot run ssh-keygen: {exc.strerror}") from None


def _why(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in result.stderr.decode(errors="replace").splitlines()
             if line.strip() and not line.startswith("Signing data")]
    return lines[-1].strip() if lines else f"ssh-keygen exited with status {result.returncode}"


def signing_key(key: Path) -> str:
    """ssh-keygen, once the key file is known to exist (checked before anything is done)."""
    program = ssh_keygen()
    if not key.is_file():
        raise InputError("no such key file", where=str(key))
    return program


def sign(record: ReviewRecord, key: Path) -> ReviewRecord:
    """The record with its SSH signature (the key file, or its .pub with an agent)."""
    result = _run([signing_key(key), "-Y", "sign", "-n", NAMESPACE, "-f", str(key)],
                  record.canonical())
    lines = [line.strip() for line in result.stdout.decode(errors="replace").splitlines()
             if line.strip()]
    if result.returncode != 0 or lines[:1] != [ARMOR[0]] or lines[-1:] != [ARMOR[1]]:
        raise InputError(f"ssh-keygen could not sign: {_why(result)}", where=str(key))
    return record.model_copy(update={"signature": "".join(lines[1:-1])})


def armored(signature: str) -> str:
    """A stored signature as ssh-keygen reads it."""
    body = "\n".join(signature[i:i + 70] for i in range(0, len(signature), 70))
    return f"{ARMOR[0]}\n{body}\n{ARMOR[1]}\n"


class Signers:
    """An allowed-signers file and whether only verified approvals count."""

    def __init__(self, allowed: Path, *, required: bool = False) -> None:
        if not allowed.is_file():
            raise InputError("no such allowed-signers file", where=str(allowed))
        self.program = ssh_keygen()
        self.allowed = allowed
        self.required = required

    def problem(self, record: ReviewRecord) -> str | None:
        """None if the record's signature is by a key the file lists for its reviewer."""
        if not record.signature:
            return "not signed"
        with tempfile.NamedTemporaryFile("w", prefix="reasondraft-", suffix=".sig") as sig:
            sig.write(armored(record.signature))
            sig.flush()
            result = _run([self.program, "-Y", "verify", "-n", NAMESPACE, "-f",
                           str(self.allowed), "-I", record.reviewer, "-s", sig.name],
                          record.canonical())
        return None if result.returncode == 0 else \
            f"the signature does not verify for {record.reviewer}: {_why(result)}"

    def check(self, where: Standing) -> Standing:
        """An approval with its signature checked; ``unsigned`` if required and not valid."""
        if where.status != "approved" or where.record is None:
            return where
        problem = self.problem(where.record)
        if problem is None:
            return replace(where, signature="verified")
        signature: Signature = "invalid" if where.record.signature else "none"
        if self.required:
            return replace(where, status="unsigned", signature=signature, problem=problem)
        return replace(where, signature=signature,
                       problem=problem if signature == "invalid" else where.problem)


def signers(allowed: Path | None, *, required: bool) -> Signers | None:
    """The CLI options as a Signers (``--require-signed`` needs ``--allowed-signers``)."""
    if allowed is None:
        if required:
            raise InputError("--require-signed needs --allowed-signers FILE")
        return None
    return Signers(allowed, required=required)
