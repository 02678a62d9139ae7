"""Secrets kept out of what a model, an audit log or a terminal sees.

- :func:`redact` replaces known secret formats (provider API keys, access tokens, private
  key blocks, passwords and keys in assignments, URLs and Authorization headers) and the
  values of the API-key variables in the environment with ``[REDACTED:<kind>]``, and
  counts them per kind. Every value rendered into a prompt passes through it
  (``prompts.render_messages``); the counts go into the draft's provenance and
  ``draft --dry-run``, never the values.
- :func:`mask_keys` replaces the values of the API-key variables (what litellm sends as
  the key): error messages and audit-log lines pass through it, so a server that echoes
  the Authorization header never puts the key on the screen or on disk.

Every pattern is linear in its input: no nested or overlapping repetition, and a token is
tried only where it can start (the character before it cannot be part of it), so a long
run is scanned from its start only.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

ENV_KIND = "env-api-key"
# Variables whose values litellm sends as credentials: OPENAI_API_KEY, ANTHROPIC_API_KEY,
# HF_TOKEN, AWS_SECRET_ACCESS_KEY, AZURE_CLIENT_SECRET ... Shorter values are placeholders
# ("EMPTY", "dummy") that local servers accept; masking them would mangle ordinary words.
KEY_VARIABLE_ENDS = ("API_KEY", "_TOKEN", "SECRET_ACCESS_KEY", "_SECRET")
MIN_KEY_CHARS = 8

# After a token's first character: the one before it is not part of a token (or it
# follows a \n escape, as in JSON-encoded text). A pattern that starts with a look-behind
# would be tried at every position; one that starts with a character is not.
_EDGE = r"(?:(?<=\\[nrt].)|(?<![A-Za-z0-9_-].))"
_WORD_EDGE = r"(?<![A-Za-z0-9].)"
_SEP = r"(?:\s|\\[nrt])"  # between the lines of a key block: whitespace or a JSON escape
_PEM = r"[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"

# Token formats: (kind, first character, the rest). Order matters where prefixes overlap.
TOKENS: list[tuple[str, str, str]] = [
    ("anthropic-key", "s", r"k-ant-[A-Za-z0-9_-]{20,}"),
    ("openai-key", "s", r"k-[A-Za-z0-9_-]{20,}"),
    ("stripe-key", "[sr]", r"k_live_[A-Za-z0-9]{16,}"),
    ("github-token", "g", r"(?:h[pousr]_[A-Za-z0-9]{30,}|ithub_pat_[A-Za-z0-9_]{40,})"),
    ("gitlab-token", "g", r"lpat-[A-Za-z0-9_-]{20,}"),
    ("slack-token", "x", r"ox[abposr]-[A-Za-z0-9-]{10,}"),
    ("google-api-key", "A", r"Iza[A-Za-z0-9_-]{35}"),
    ("huggingface-token", "h", r"f_[A-Za-z0-9]{30,}"),
    ("npm-token", "n", r"pm_[A-Za-z0-9]{36}"),
    ("pypi-token", "p", r"ypi-AgE[A-Za-z0-9_-]{50,}"),
    ("aws-access-key", "A", r"(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}"),
    ("jwt", "e", r"yJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
]

# Names that make the value assigned to them a credential, by kind, in any case. The name
# must end there: ``token_pattern = ...`` is not a token.
NAMES: dict[str, list[str]] = {
    "password": ["password", "passwd", "passphrase", "pwd"],
    "secret": ["client[_-]?secret", "secret[_-]?key", "secret"],
    "api-key": ["api[_-]?key", "apikey", "api[_-]?token", "access[_-]?key", "private[_-]?key"],
    "token": ["access[_-]?token", "auth[_-]?token", "refresh[_-]?token", "token"],
}
PLACEHOLDERS = frozenset({
    "none", "null", "nil", "true", "false", "password", "passwd", "pass", "secret", "token",
    "changeme", "example", "test", "testing", "dummy", "redacted", "hidden", "placeholder",
    "optional", "required", "string", "str", "bytes",
})


def _names() -> str:
    """NAMES as one branch that starts with a character class: the first letter (checked
    once for a word's left edge), then the rest of the names that start with it."""
    words = [word for group in NAMES.values() for word in group]
    firsts = sorted({word[0] for word in words})
    rests = "|".join(
        f"(?<=[{f.upper()}{f}])(?i:{'|'.join(w[1:] for w in words if w[0] == f)})"
        for f in firsts)
    return f"[{''.join(f.upper() + f for f in firsts)}]{_WORD_EDGE}(?:{rests})"


def _pattern() -> re.Pattern[str]:
    # Every branch starts with a character, not a group or a look-behind: then ``re`` tries
    # the pattern only where one of those characters is (ten times faster on a
    # trajectory). The kind of a match is found afterwards; matches are few.
    tokens = "|".join(f"{first}{_EDGE}{rest}" for _, first, rest in TOKENS)
    q = r"\\?[\"']"  # a quote, perhaps escaped (JSON-encoded tool-call arguments)
    parts = [
        # A private key block: its header, lines of base64 (or PEM headers such as
        # Proc-Type), and the footer when it is there; a block cut short by packing is
        # redacted as far as it goes.
        rf"-----BEGIN{_PEM}"
        rf"(?:{_SEP}+(?:[A-Za-z0-9+/=]{{16,}}|[A-Za-z-]{{2,20}}: ?[A-Za-z0-9,-]{{1,100}}))+"
        rf"(?:(?:{_SEP}+[A-Za-z0-9+/=]{{1,15}})?{_SEP}*-----END{_PEM})?",
        rf"(?:{tokens})(?![A-Za-z0-9_-])",
        # Authorization: Bearer <credential>, and a bearer credential anywhere.
        rf"[Aa](?:uthorization|UTHORIZATION){q}?[ \t]{{0,4}}[:=][ \t]{{0,4}}"
        rf"{q}?(?i:bearer|basic|token|bot)[ \t]{{1,4}}(?P<ah>[A-Za-z0-9._~+/=-]{{8,}})",
        r"[Bb](?<![A-Za-z].)earer[ \t]{1,4}(?P<bv>[A-Za-z0-9._~+/-]{20,}=*)",
        # scheme://user:PASSWORD@host
        r"://(?P<uu>[^\s:/?#@'\"\\]{1,64}):(?P<up>[^\s/?#@'\"\\]{1,128})@",
        # password = "...", api_key: ..., "token": "...", SECRET_KEY=... A quoted value
        # ends at the next quote, so each stretch between quotes is scanned once; a bare
        # one holds no "=" or ":" (but base64 padding), so it holds no assignment.
        rf"{_names()}(?![A-Za-z0-9_]){q}?\]?[ \t]{{0,4}}(?:=(?!=)|:(?![:=]))"
        rf"[ \t]{{0,4}}(?:(?P<aq>{q})(?P<av>[^\"'\\\n]+)(?P=aq)"
        r"|(?P<ab>[^\s\"'`,;&|<>(){}\[\]\\=:]{6,}={0,2}))",
    ]
    return re.compile("|".join(parts))


class Patterns(NamedTuple):
    scan: re.Pattern[str]
    token_kinds: list[tuple[str, re.Pattern[str]]]
    name_kinds: list[tuple[str, re.Pattern[str]]]


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Compiled when first needed: every command imports this module (its errors mask keys),
    and compiling took ~5 ms of each start-up, ``verify``'s too, which redacts nothing."""
    return Patterns(
        _pattern(),
        [(kind, re.compile(first + rest)) for kind, first, rest in TOKENS],
        [(kind, re.compile(f"(?:{'|'.join(words)})(?![A-Za-z0-9_])", re.IGNORECASE))
         for kind, words in NAMES.items()])


def marker(kind: str) -> str:
    return f"[REDACTED:{kind}]"


@dataclass(frozen=True)
class Redacted:
    """A text with its secrets replaced, and how many of each kind were."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


def key_values(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values of the API-key variables in ``env`` (default: the process environment),
    longest first so that a key that contains another is replaced whole."""
    env = os.environ if env is None else env
    names = [name for name in env if name.upper().endswith(KEY_VARIABLE_ENDS)]
    values = {env[name] for name in names if len(env[name]) >= MIN_KEY_CHARS}
    return tuple(sorted(values, key=len, reverse=True))


def mask_keys(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with every API-key variable's value replaced (error messages, log lines)."""
    for value in key_values(env):
        text = text.replace(value, marker(ENV_KIND))
    return text


def redact(text: str, keys: tuple[str, ...] | None = None) -> Redacted:
    """``text`` with known secret formats and the values in ``keys`` (default: the API-key
    variables' values, see key_values) replaced."""
    return _redact(text, key_values() if keys is None else keys)


@lru_cache(maxsize=32)
def _redact(text: str, keys: tuple[str, ...]) -> Redacted:
    # Cached: packing renders the same sections again for each trajectory level it tries.
    counts: Counter[str] = Counter()
    for value in keys:
        if value in text:
            counts[ENV_KIND] += text.count(value)
            text = text.replace(value, marker(ENV_KIND))
    text = _scan(text, counts)
    return Redacted(text, dict(sorted(counts.items())))


def _scan(text: str, counts: Counter[str]) -> str:
    """Replace every secret that PATTERN finds in ``text``, counting kinds in ``counts``."""

    def replace(match: re.Match[str]) -> str:
        whole, offset = match.group(), match.start()
        if match.group("up") is not None:
            user = _scan(match.group("uu"), counts)  # https://<token>:x-oauth-basic@...
            password = match.group("up")
            kind = None if _placeholder(password) else "url-password"
            return f"://{user}:{_value(kind, password, counts)}@"
        if match.group("aq") is not None or match.group("ab") is not None:
            kind, value = _assigned(match)
            start, end = match.span("av" if match.group("av") is not None else "ab")
            return whole[:start - offset] + _value(kind, value, counts) + whole[end - offset:]
        start, end = match.span()
        if whole.startswith("-----BEGIN"):
            kind = "private-key"
        elif match.group("ah") is not None or match.group("bv") is not None:
            kind, (start, end) = "auth-header", match.span("ah" if match.group("ah") else "bv")
        else:
            kind = next(k for k, pattern in patterns().token_kinds if pattern.fullmatch(whole))
            check = SHAPE.get(kind)
            if check is not None and not check(whole):
                return whole
        counts[kind] += 1
        return whole[:start - offset] + marker(kind) + whole[end - offset:]

    return patterns().scan.sub(replace, text)


def _value(kind: str | None, value: str, counts: Counter[str]) -> str:
    """An assigned value: the tokens in it (``api_key = "sk-..."`` is an openai-key), else
    the whole of it when it is a credential (``kind``)."""
    found: Counter[str] = Counter()
    scanned = _scan(value, found)
    if found or kind is None:
        counts.update(found)
        return scanned
    counts[kind] += 1
    return marker(kind)


def _assigned(match: re.Match[str]) -> tuple[str | None, str]:
    """The kind of credential an assignment's value is, or None for a word, a placeholder,
    an expression; and the value."""
    kind = next(k for k, pattern in patterns().name_kinds if pattern.match(match.group()))
    quoted = match.group("av") is not None
    value = match.group("av") if quoted else match.group("ab")
    if _placeholder(value) or any(c.isspace() for c in value):
        return None, value
    if kind == "password" and quoted:
        return (kind if len(value) >= 3 else None), value
    return (kind if len(value) >= 8 and _looks_random(value) else None), value


def _mixed_case(value: str) -> bool:
    return any(c.isupper() for c in value) and any(c.islower() for c in value)


def _looks_random(value: str) -> bool:
    """A credential, not a word or an identifier: letters and digits both."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


# Formats whose prefix a long identifier can share: the rest must look generated
# (``sk-`` + a kebab-case name, ``hf_`` + a word are not keys).
SHAPE = {"openai-key": lambda v: _looks_random(v[3:]),
         "anthropic-key": lambda v: _looks_random(v[7:]),
         "huggingface-token": lambda v: _mixed_case(v[3:])}


def _placeholder(value: str) -> bool:
    """Example values, template fields and paths, not credentials."""
    return (value.lower() in PLACEHOLDERS or len(set(value)) == 1
            or value.startswith(("$", "%", "{", "<", "*", "/", "~", "./", "../"))
            or value.lower().startswith(("your", "my_", "my-", "xxx")))
