"""Redaction of secrets from what a model sees, and masking of API keys in messages and
logs. Fake secrets are assembled at run time so this file holds none in one piece."""

from __future__ import annotations

import json

import pytest

from reasondraft.redact import ENV_KIND, key_values, mask_keys, redact

ALNUM = "aB3dE5fG7hJ9kL2mN4pQ6rS8tU1vW0xYz"
PEM_LINES = "\n".join(("MIIEow" + ALNUM * 2)[:64] for _ in range(4))


def fake(kind: str) -> str:
    """A string in the given secret format (not a working credential)."""
    return {
        "openai-key": "sk-" + "proj-" + ALNUM + ALNUM,
        "anthropic-key": "sk-" + "ant-api03-" + ALNUM + ALNUM,
        "aws-access-key": "AK" + "IA" + "Z7Q2X9R4W8T3Y6U1",
        "github-token": "gh" + "p_" + (ALNUM + ALNUM)[:36],
        "github-pat": "github" + "_pat_" + (ALNUM * 3)[:82],
        "gitlab-token": "gl" + "pat-" + ALNUM[:20],
        "slack-token": "xo" + "xb-" + "1234567890-" + ALNUM[:24],
        "google-api-key": "AI" + "za" + (ALNUM * 2)[:35],
        "stripe-key": "sk" + "_live_" + ALNUM[:24],
        "huggingface-token": "hf" + "_" + (ALNUM.replace("3", "c") * 2)[:34],
        "npm-token": "np" + "m_" + (ALNUM * 2)[:36],
        "jwt": "ey" + "J" + ALNUM + ".ey" + "J" + ALNUM + "." + ALNUM,
        "private-key": "-----BEGIN " + "RSA PRIVATE KEY-----\n" + PEM_LINES
                       + "\nAbCd==\n-----END RSA PRIVATE KEY-----",
    }[kind]


@pytest.mark.parametrize(("text", "kind"), [
    (f"export OPENAI_API_KEY={fake('openai-key')}", "openai-key"),
    (f"key: {fake('anthropic-key')}", "anthropic-key"),
    (f"aws_access_key_id = {fake('aws-access-key')}", "aws-access-key"),
    (f"git push https://{fake('github-token')}@github.com/o/r", "github-token"),
    (f"GH_TOKEN={fake('github-pat')}", "github-token"),
    (f"token {fake('gitlab-token')} here", "gitlab-token"),
    (f"SLACK={fake('slack-token')}", "slack-token"),
    (f"maps?key={fake('google-api-key')}&x=1", "google-api-key"),
    (f"stripe.api_key = '{fake('stripe-key')}'", "stripe-key"),
    (f"login with {fake('huggingface-token')}", "huggingface-token"),
    (f"//registry.npmjs.org/:_authToken={fake('npm-token')}", "npm-token"),
    (f"cookie session={fake('jwt')};", "jwt"),
    (f"$ cat id_rsa\n{fake('private-key')}\n$ ls", "private-key"),
    ('DATABASE_PASSWORD="Tr0ub4dor&3"', "password"),
    ("db:\n  password: hunter2xyz9\n", "password"),
    ("app.config['SECRET_KEY'] = 'f3a9c0d1e2b4a6c8'", "secret"),
    ("client_secret=9f8e7d6c5b4a3210", "secret"),
    ('{"api_key": "0a1b2c3d4e5f6a7b"}', "api-key"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE", "api-key"),
    ("?access_token=4f9a8b7c6d5e3f21&page=2", "token"),
    ("postgres://app:Tr0ub4dor3@db.internal:5432/app", "url-password"),
    ("curl -H 'Authorization: Bearer 4f9a8b7c6d5e3f21a0b9' https://api", "auth-header"),
    ("headers = {'Authorization': 'token 4f9a8b7c6d5e3f21a0b9'}", "auth-header"),
])
def test_each_secret_format_is_redacted_by_kind(text: str, kind: str) -> None:
    result = redact(text, keys=())
    assert result.counts == {kind: 1}
    assert f"[REDACTED:{kind}]" in result.text
    secret_free = result.text.replace(f"[REDACTED:{kind}]", "")
    for piece in ("Tr0ub4dor", "hunter2xyz9", ALNUM[:12], "MIIEow", "f3a9c0d1", "9f8e7d6c",
                  "0a1b2c3d", "wJalrXUtn", "4f9a8b7c", "Z7Q2X9R4"):
        assert piece not in secret_free


def test_only_the_secret_is_replaced() -> None:
    text = f'DB_PASSWORD="s3cret-pass" and OPENAI_API_KEY={fake("openai-key")} done'
    assert redact(text, keys=()).text == ('DB_PASSWORD="[REDACTED:password]" and '
                                         "OPENAI_API_KEY=[REDACTED:openai-key] done")


def test_json_encoded_text_is_redacted_too() -> None:
    """Tool-call arguments reach the prompt JSON-encoded: escaped quotes and newlines."""
    arguments = json.dumps({"path": "/testbed/.env",
                            "file_text": f"password = 'hunter2xyz9'\n{fake('private-key')}\n"})
    result = redact(arguments, keys=())
    assert result.counts == {"password": 1, "private-key": 1}
    assert "hunter2xyz9" not in result.text
    assert "MIIEow" not in result.text


def test_a_key_block_cut_by_packing_is_redacted_as_far_as_it_goes() -> None:
    cut = [*fake("private-key").split("\n")[:3], "[... 4 lines omitted ...]"]
    result = redact("\n".join(cut), keys=())
    assert result.counts == {"private-key": 1}
    assert "MIIEow" not in result.text
    assert "[... 4 lines omitted ...]" in result.text


def test_assigned_tokens_get_their_own_kind() -> None:
    result = redact(f"GITHUB_TOKEN={fake('github-token')}\napi_key = '{fake('openai-key')}'",
                    keys=())
    assert result.counts == {"github-token": 1, "openai-key": 1}


@pytest.mark.parametrize("text", [
    # hashes, ids and base64 that the model needs to see
    "commit 3ea751c087f32b16e039a2233dd6eefecef325d5",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "data = 'aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQgZW5jb2RlZCB0ZXh0IQ=='",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    # code that names credentials without holding one
    "password = request.POST['password']",
    "authenticate(username=username, password=password)",
    "token = tokens[0]",
    "token_pattern = r'(?u)\\b\\w\\w+\\b'",
    "if password == 'x':",
    "def login(password: str, token: Optional[str] = None):",
    "SECRET_KEY = \"config\"",
    "app.secret_key = 'development key'",
    "password = os.environ['DB_PASSWORD']",
    "password: ${DB_PASSWORD}",
    "api_key = '<your-api-key>'",
    "token = '%(token)s'",
    "PWD=/testbed/src2",
    "password = '********'",
    # prose and identifiers with a secret's prefix
    "see the sk-learn-compatible-estimator-interface docs",
    "mask-ask-task-risk-disk-desk-kiosk-whisk-flask-brisk",
    "hf_hub_download_with_retries(repo)",
    "scheme://host:8080/path and http://user@host/",
    "the header -----BEGIN RSA PRIVATE KEY----- starts a key; the footer ends it",
])
def test_ordinary_code_and_data_are_left_alone(text: str) -> None:
    result = redact(text, keys=())
    assert (result.text, result.counts) == (text, {})


def test_placeholder_url_passwords_are_left_alone() -> None:
    assert redact("http://user:pass@example.com", keys=()).counts == {}


def test_environment_key_values_are_redacted_and_masked_whatever_their_format() -> None:
    env = {"OPENAI_API_KEY": "local-" + "k3y" * 8, "HF_TOKEN": "tok" + "9" * 20,
           "SHORT_API_KEY": "EMPTY", "HOME": "/root" + "x" * 20}
    assert key_values(env) == ("local-" + "k3y" * 8, "tok" + "9" * 20)
    text = f"env: OPENAI_API_KEY=local-{'k3y' * 8} HF={'tok' + '9' * 20} HOME=/rootxx EMPTY"
    result = redact(text, key_values(env))
    assert result.counts == {ENV_KIND: 2}
    assert "k3yk3y" not in result.text
    assert "EMPTY" in result.text
    assert mask_keys(text, env=env) == result.text


# Each input is the worst case of one pattern: a quadratic pattern would take hours on half
# a megabyte; these complete at once (docs/security.md gives the figures).
ADVERSARIAL = [
    ("sk-" * 200_000, {}), ("x" + "sk-" + "a" * 500_000, {}), ("password=" * 60_000, {}),
    ("password='" + "a" * 500_000, {}), ("token=" * 100_000, {}), ("token:" * 100_000, {}),
    ("-----BEGIN RSA PRIVATE KEY-----" * 17_500, {}),
    ("-----BEGIN RSA PRIVATE KEY-----\n" + ("A" * 15 + "\n") * 30_000, {}),
    (("-----BEGIN RSA PRIVATE KEY-----" + " " * 1000) * 1000, {}),
    ("://a:" * 100_000, {}), (("://" + "a" * 60 + ":" + "b" * 120) * 2_500, {}),
    ("Bearer " * 75_000, {}), ("ghp_" + "a" * 500_000 + "-", {}), ("AKIA" * 125_000, {}),
    ("\\n" * 250_000, {}), ("'\"" * 250_000, {}),
    ("eyJaaaaaaaaa." * 30_000, {"jwt": 10_000}),
    ("Authorization: Bearer " * 25_000, {"auth-header": 12_500}),
    ("password='hunter2x' " * 25_000, {"password": 25_000}),
    ((fake("openai-key") + " ") * 5_000, {"openai-key": 5_000}),
    (fake("private-key").replace("\n", " ") * 1_000, {"private-key": 1_000}),
]


@pytest.mark.parametrize(("text", "counts"), ADVERSARIAL,
                         ids=[repr(text[:24]) for text, _ in ADVERSARIAL])
def test_hostile_input_is_scanned_in_linear_time(text: str, counts: dict[str, int]) -> None:
    assert redact(text, keys=()).counts == counts
