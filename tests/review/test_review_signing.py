"""approve --sign, status/export --allowed-signers and --require-signed, with throwaway SSH
keys made by ssh-keygen (the real program, as users run it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from reasondraft.document import body_hash, join_document, read_draft
from reasondraft.review import approve
from reasondraft.review.record import SIGNED_FORMAT, ReviewRecord
from reasondraft.review.signing import armored

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")


@dataclass
class Keys:
    alice: Path
    bob: Path
    allowed: Path  # lists alice's key for alice, bob's for bob


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f",
                    str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def keys(tmp_path) -> Keys:
    folder = tmp_path / "keys"
    folder.mkdir()
    alice, bob = keygen(folder / "alice"), keygen(folder / "bob")
    allowed = folder / "allowed_signers"
    allowed.write_text("".join(
        f"{name} {' '.join(key.with_suffix('.pub').read_text().split()[:2])}\n"
        for name, key in (("alice", alice), ("bob", bob))))
    return Keys(alice, bob, allowed)


@pytest.fixture
def drafts(project, tmp_path, keys):
    """a: signed by alice; b: approved unsigned; c: claims alice, signed with bob's key."""
    root = tmp_path / "drafts"
    tasks = {name: project.task(root / name, instance_id=name) for name in "abc"}
    assert approve(tasks["a"].folder, "alice", sign=keys.alice).record.signature
    approve(tasks["b"].folder, "bob")
    approve(tasks["c"].folder, "alice", sign=keys.bob)
    return root, tasks


def test_a_signed_record_verifies_for_its_reviewer(drafts, keys, cli) -> None:
    root, tasks = drafts
    record = read_draft(tasks["a"].draft).front["review"]
    assert record["signature"].startswith("U1NIU0lH")  # "SSHSIG", base64, one line

    result = cli("status", root, "--json", "--allowed-signers", keys.allowed)
    assert result.exit_code == 0, result.output
    rows = {row["instance_id"]: row for row in json.loads(result.stdout)}
    assert {k: (r["status"], r["signature"], r["signed_by"]) for k, r in rows.items()} == {
        "a": ("approved", "verified", "alice"), "b": ("approved", "none", None),
        "c": ("approved", "invalid", None)}
    assert "does not verify for alice" in rows["c"]["problem"]
    table = cli("status", root, "--allowed-signers", keys.allowed).stdout
    assert "signed" in table.splitlines()[0]
    assert "by alice" in table
    assert "3 drafts: 3 approved" in table
    unchecked = json.loads(cli("status", root, "--json").stdout)
    assert {row["signature"] for row in unchecked} == {None}


def test_require_signed_counts_only_verified_approvals(drafts, keys, tmp_path, cli) -> None:
    root, _ = drafts
    table = cli("status", root, "--allowed-signers", keys.allowed, "--require-signed").stdout
    assert "3 drafts: 1 approved, 2 unsigned" in table
    assert "b: unsigned: not signed" in table

    out = tmp_path / "out.jsonl"
    result = cli("export", root, "--out", out, "--allowed-signers", keys.allowed,
                 "--require-signed", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["exported"] == 1
    assert summary["signed"] == 1
    assert summary["skipped_by_reason"] == {"not signed by an allowed signer": 2}
    [line] = [json.loads(text) for text in out.read_text().splitlines()]
    assert line["instance_id"] == "a"
    assert line["signed_by"] == "alice"
    assert line["status"] == "approved"
    assert "exported 3 traces (1 signed)" in cli(
        "export", root, "--out", out, "--allowed-signers", keys.allowed).stdout


def test_a_record_typed_or_edited_by_hand_does_not_pass(drafts, keys, cli) -> None:
    root, tasks = drafts
    signed = read_draft(tasks["a"].draft).front["review"]
    draft = read_draft(tasks["b"].draft)  # b's own record, with a's signature pasted in
    forged = {**draft.front["review"], "reviewer": "alice", "signature": signed["signature"]}
    tasks["b"].draft.write_text(join_document({**draft.front, "review": forged}, draft.body))
    text = tasks["a"].draft.read_text().replace("note: null", "note: looks fine")
    tasks["a"].draft.write_text(text)  # a signed record edited afterwards
    assert body_hash(read_draft(tasks["a"].draft).body) == signed["content_hash"]

    rows = json.loads(cli("status", root, "--json", "--allowed-signers", keys.allowed,
                          "--require-signed").stdout)
    assert [(row["status"], row["signature"]) for row in rows] == [("unsigned", "invalid")] * 3


def test_what_is_signed_is_the_canonical_record(task, keys) -> None:
    outcome = approve(task.folder, "alice", sign=keys.alice)
    record = ReviewRecord.model_validate(read_draft(task.draft).front["review"])
    assert record == outcome.record
    payload = json.loads(record.canonical())
    assert payload["format"] == SIGNED_FORMAT
    assert "signature" not in payload
    assert payload["content_hash"] == body_hash(task.body())
    assert payload["inputs"]["patch"]
    assert payload["verify"]["errors"] == 0
    assert record.canonical() == json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False).encode()
    signature = task.folder / "record.sig"
    signature.write_text(armored(record.signature))
    verified = subprocess.run(["ssh-keygen", "-Y", "verify", "-n", "reasondraft", "-f",
                               str(keys.allowed), "-I", "alice", "-s", str(signature)],
                              input=record.canonical(), capture_output=True, check=False)
    assert verified.returncode == 0, verified.stderr


def run(*args, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reasondraft", *map(str, args)],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})


def test_signing_problems_are_one_line_exit_2(task, keys, tmp_path) -> None:
    bin_dir = tmp_path / "bin"  # git but no ssh-keygen on PATH
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    before = task.draft.read_bytes()
    for args in (["approve", task.folder, "--reviewer", "alice", "--sign", keys.alice],
                 ["status", task.folder, "--allowed-signers", keys.allowed]):
        result = run(*args, env={"PATH": str(bin_dir)})
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            "error: ssh-keygen not found on PATH: signing and checking review signatures "
            "need OpenSSH's ssh-keygen"]
    result = run("approve", task.folder, "--reviewer", "alice", "--sign", tmp_path / "nokey")
    assert result.returncode == 2
    assert "nokey: no such key file" in result.stderr
    result = run("status", task.folder, "--require-signed")
    assert result.returncode == 2
    assert "--require-signed needs --allowed-signers FILE" in result.stderr
    result = run("export", task.folder, "--out", tmp_path / "o.jsonl", "--allowed-signers",
                 tmp_path / "none")
    assert result.returncode == 2
    assert "no such allowed-signers file" in result.stderr
    assert task.draft.read_bytes() == before
    assert not (tmp_path / "o.jsonl").exists()
