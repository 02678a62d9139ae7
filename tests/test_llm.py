"""The LLM client over the real litellm -> instructor path: a local HTTP server and the
fixture provider; no network, no API key."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import types

import pytest
from pydantic import BaseModel, field_validator

from model_server import LocalServer, Reply
from reasondraft.draft.llm import LLMClient, RateGate, RetryPolicy
from reasondraft.draft.setup import remember_async_validator_checks, remember_checks
from reasondraft.draft.sync import run_now
from reasondraft.errors import ModelError

FAST = RetryPolicy(attempts=3, initial=0.01, max_wait=0.05)


class Answer(BaseModel):
    value: int

    @field_validator("value")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 0:
            raise ValueError("value must be positive")
        return value


def client(server: LocalServer, **kwargs) -> LLMClient:
    sleeps: list[float] = []
    llm = LLMClient("openai/local-test", api_base=server.url, retry=FAST,
                    sleep=sleeps.append, **kwargs)
    llm.sleeps = sleeps  # type: ignore[attr-defined]
    return llm


def ask(llm: LLMClient, repairs: int = 1) -> Answer:
    return llm.structured([{"role": "user", "content": "give a value"}], Answer,
                          max_repairs=repairs)


@pytest.fixture(autouse=True)
def _api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")


def test_tool_call_answer() -> None:
    with LocalServer([Reply(answer={"value": 7})]) as server:
        assert ask(client(server)).value == 7
        assert server.requests[0]["tools"][0]["function"]["name"] == "Answer"


def test_json_mode_answer() -> None:
    import instructor

    with LocalServer([Reply(answer={"value": 8})]) as server:
        llm = client(server)
        raw = instructor.from_litellm(llm._complete, mode=instructor.Mode.JSON)
        result = raw.chat.completions.create(model=llm.model, response_model=Answer,
                                             messages=[{"role": "user", "content": "v"}])
        assert result.value == 8
        assert "tools" not in server.requests[0]
        assert llm.usage.calls == 1
        assert llm.usage.answers == [{"value": 8}]


def test_429_with_retry_after_then_200() -> None:
    replies = [Reply(status=429, headers={"retry-after": "0.02"}), Reply(answer={"value": 1})]
    with LocalServer(replies) as server:
        llm = client(server)
        assert ask(llm).value == 1
        assert len(server.requests) == 2
        assert llm.sleeps == [0.02]  # type: ignore[attr-defined]


def test_500_every_time_fails_with_one_line_after_bounded_attempts() -> None:
    with LocalServer([Reply(status=500)]) as server:
        with pytest.raises(ModelError, match=r"openai/local-test: gave up after 3 attempts: "
                                             r"InternalServerError \(500\)"):
            ask(client(server))
        assert len(server.requests) == 3  # no hidden retry layers in litellm or openai


def test_400_is_not_retried() -> None:
    with LocalServer([Reply(status=400)]) as server:
        with pytest.raises(ModelError, match="BadRequestError"):
            ask(client(server))
        assert len(server.requests) == 1


def free_url() -> str:
    """The URL of a port nothing listens on (bound, then closed)."""
    server = LocalServer([Reply()])
    server.httpd.server_close()
    return server.url


def ask_async(llm: LLMClient) -> Answer:
    """ask() on the async path (a batch's), whose transport differs (aiohttp)."""
    return asyncio.run(llm.astructured([{"role": "user", "content": "give a value"}], Answer,
                                       max_repairs=1))


@pytest.mark.parametrize("path", [ask, ask_async])
def test_a_refused_connection_is_retried_once_quickly_and_names_the_url(path,
                                                                        tmp_path) -> None:
    url = free_url()
    llm = LLMClient("openai/local-test", api_base=url, retry=FAST, log=tmp_path / "calls.jsonl")
    sleeps: list[float] = []
    llm.sleep = sleeps.append
    started = time.monotonic()
    with pytest.raises(ModelError) as raised:
        path(llm)
    assert str(raised.value).startswith(
        f"openai/local-test: cannot connect to {url}: Connection refused (2 attempt(s))")
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 2  # one retry
    if path is ask:
        assert sleeps == [FAST.reconnect]
    assert time.monotonic() - started < 3 * FAST.reconnect + 2  # not the 5xx backoff


@pytest.mark.parametrize("path", [ask, ask_async])
def test_a_missing_api_key_fails_at_once_saying_what_to_set(path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with LocalServer([Reply(answer={"value": 1})]) as server:
        llm = client(server)
        with pytest.raises(ModelError) as raised:
            path(llm)
        assert server.requests == []
    assert str(raised.value) == (f"openai/local-test at {server.url}: no API key: set "
                                 "OPENAI_API_KEY; any value works for a local server")
    assert llm.sleeps == []  # type: ignore[attr-defined]


def test_a_refused_api_key_is_not_retried_and_names_the_variable() -> None:
    with LocalServer([Reply(status=401)]) as server:
        llm = client(server)
        with pytest.raises(ModelError) as raised:
            ask(llm)
        assert len(server.requests) == 1
    assert str(raised.value) == (f"openai/local-test at {server.url}: the API key in "
                                 "OPENAI_API_KEY was refused: AuthenticationError (401): "
                                 "OpenAIException - scripted status 401")
    assert llm.sleeps == []  # type: ignore[attr-defined]


def test_the_sync_path_refuses_a_body_that_waits() -> None:
    """run_now drives the shared async body only while it never suspends."""

    class Waits:
        def __await__(self):
            yield "a future"

    async def body() -> None:
        await Waits()

    with pytest.raises(RuntimeError, match="waited for something"):
        run_now(body())


def test_invalid_json_is_repaired_then_accepted() -> None:
    with LocalServer([Reply(answer="{not json"), Reply(answer={"value": 2})]) as server:
        llm = client(server)
        assert ask(llm, repairs=1).value == 2
        assert llm.usage.calls == 2
        assert server.requests[1]["messages"][-1]["role"] == "tool"  # the re-ask


def test_validation_failure_reasks_with_the_error() -> None:
    with LocalServer([Reply(answer={"value": -1}), Reply(answer={"value": 4})]) as server:
        assert ask(client(server), repairs=1).value == 4
        reask = json.dumps(server.requests[1]["messages"])
        assert "value must be positive" in reask


def test_cut_off_at_max_tokens_is_one_clear_error() -> None:
    with LocalServer([Reply(answer='{"val', finish_reason="length")]) as server, \
            pytest.raises(ModelError, match="cut off at the token limit"):
        ask(client(server), repairs=1)


def test_audit_log_has_every_call_and_no_key(tmp_path) -> None:
    log = tmp_path / "calls.jsonl"
    with LocalServer([Reply(status=429), Reply(answer={"value": 3})]) as server:
        ask(client(server, log=log))
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["error"] is None for r in records] == [False, True]
    assert records[1]["answer"] == {"value": 3}
    assert records[1]["messages"][0]["content"] == "give a value"
    assert "sk-test" not in log.read_text()


def test_fixture_provider_replays_a_repair(tmp_path) -> None:
    recording = tmp_path / "rec.json"
    recording.write_text(json.dumps({"recordings": [
        {"match": "give", "answers": [{"value": -5}, {"value": 5}]}]}))
    llm = LLMClient(f"fixture/{recording}", retry=FAST)
    assert ask(llm).value == 5
    assert llm.usage.calls == 2
    assert llm.usage.cost is None


def test_fixture_replay_miss_says_how_to_record(tmp_path) -> None:
    recording = tmp_path / "rec.json"
    recording.write_text(json.dumps({"recordings": [{"match": "other task", "answers": []}]}))
    with pytest.raises(ModelError, match=r"no recorded answer for this task: record one with"):
        ask(LLMClient(f"fixture/{recording}", retry=FAST))


def test_async_validator_check_is_remembered_per_class_and_still_refuses() -> None:
    """instructor's per-call model check runs once per class that passes (setup.py)."""
    import instructor.v2.core.patch as patch
    import instructor.v2.validation.async_validators as checks

    class Passes(BaseModel):
        value: int

    class Refused(BaseModel):
        value: int

        @checks.async_field_validator("value")
        async def _later(self, value: int) -> int:
            return value

    assert remember_async_validator_checks()  # applied where drafting starts
    assert patch.reject_async_validators is checks.reject_async_validators  # one shim
    walked: list[object] = []
    get_args = checks.get_args
    checks.get_args = lambda model: walked.append(model) or get_args(model)  # the walk's step
    try:
        checks.reject_async_validators(Passes)
        assert Passes in walked
        walked.clear()
        checks.reject_async_validators(Passes)
        assert walked == []  # remembered
        for _ in range(2):  # refused every time, walked every time
            with pytest.raises(ValueError, match="async validators are not supported"):
                checks.reject_async_validators(Refused)
            assert Refused in walked
            walked.clear()
    finally:
        checks.get_args = get_args
    with LocalServer([Reply(answer={"value": 3})]) as server:  # and calls still work
        assert ask(client(server)).value == 3


def test_the_shim_says_when_instructor_has_nothing_to_patch(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="reasondraft.draft.setup"):
        assert not remember_checks([types.ModuleType("moved"), None])
    [record] = caplog.records
    assert "has no instructor.v2.validation.async_validators.reject_async_validators" in \
        record.getMessage()


def test_transient_faults_back_off_exponentially_with_jitter_up_to_the_longest_wait() -> None:
    """On the sync path, where run_now refuses a retry loop that suspends."""
    policy = RetryPolicy(attempts=4, initial=0.01, max_wait=0.03)
    with LocalServer([Reply(status=503)]) as server:
        llm = client(server)
        llm.retry = policy
        with pytest.raises(ModelError, match="gave up after 4 attempts"):
            ask(llm)
        assert len(server.requests) == 4
    first, second, third = llm.sleeps  # type: ignore[attr-defined]
    assert 0.01 <= first <= 0.02  # initial, plus up to initial of jitter
    assert 0.02 <= second <= 0.03  # doubled
    assert third == 0.03  # 0.04 and more: capped


def test_retry_after_is_capped_at_the_longest_wait() -> None:
    replies = [Reply(status=429, headers={"retry-after": "30"}), Reply(answer={"value": 1})]
    with LocalServer(replies) as server:
        llm = client(server)
        assert ask(llm).value == 1
    assert llm.sleeps == [FAST.max_wait]  # type: ignore[attr-defined]


def test_a_429_pauses_every_client_that_shares_the_gate() -> None:
    gate = RateGate()
    replies = [Reply(status=429, headers={"retry-after": "0.02"}), Reply(answer={"value": 1})]
    with LocalServer(replies) as server:
        started = time.monotonic()
        assert ask(client(server, gate=gate)).value == 1
    assert gate.resume_at >= started + 0.02
    gate.pause(30)  # as a 429 on another task would
    with LocalServer([Reply(answer={"value": 2})]) as server:
        other = client(server, gate=gate)
        assert ask(other).value == 2
    assert other.sleeps[0] == pytest.approx(30, abs=5)  # type: ignore[attr-defined]


def test_in_flight_is_the_repair_round_under_way(monkeypatch) -> None:
    import reasondraft.draft.llm as module

    with LocalServer([Reply(answer={"value": -1}), Reply(answer={"value": 4})]) as server:
        llm = client(server)
        rounds: list[int | None] = []
        completion = module.litellm.completion

        def spy(**kwargs):
            rounds.append(llm.in_flight)
            return completion(**kwargs)

        monkeypatch.setattr(module.litellm, "completion", spy)
        assert ask(llm, repairs=1).value == 4
    assert rounds == [0, 1]
    assert llm.in_flight is None


def test_the_sync_path_retries_through_tenacity_without_suspending() -> None:
    """run_now drives the shared body in one step: tenacity awaits only the wrapped steps."""
    from reasondraft.draft.llm import litellm
    from reasondraft.draft.sync import as_async

    faults = [litellm.InternalServerError("down", llm_provider="openai", model="m"),
              litellm.Timeout("slow", llm_provider="openai", model="m")]

    def call(**_kwargs):
        if faults:
            raise faults.pop(0)
        return litellm.ModelResponse()

    sleeps: list[float] = []
    llm = LLMClient("openai/local-test", retry=FAST)
    body = llm._attempts({"messages": [{"role": "user", "content": "v"}]}, as_async(call),
                         as_async(sleeps.append))
    assert isinstance(run_now(body), litellm.ModelResponse)
    assert len(sleeps) == 2
    assert llm.usage.calls == 1
