"""LLMEngine under a failing server: retries honouring Retry-After, timeouts, the circuit
breaker, and always an offline answer in the end."""

from __future__ import annotations

import socket
import time

import openai
import pytest

from distiller import EmptyInputError
from distiller.llm import CallUsage, LLMEngine
from tests.distiller.llm.support import (
    GOOD,
    SPEC,
    FakeClock,
    Sleeps,
    fallback_note,
)
from tests.fakes.openai_server import FakeOpenAIServer, error, reply

# --- resilience ----------------------------------------------------------------------------


def test_429_then_success_honours_retry_after(
    engine: LLMEngine, server: FakeOpenAIServer, sleeps: Sleeps, incident: str
) -> None:
    server.queue(error(429, "slow down", headers={"retry-after": "2"}), reply(GOOD))
    result = engine.distill(incident, SPEC)
    assert result.engine == "llm:gpt-4o-mini"
    assert sleeps == [2.0]
    assert len(server.requests) == 2 and engine.stats.retries == 1


def test_retry_after_past_the_timeout_is_not_waited_for(
    engine: LLMEngine, server: FakeOpenAIServer, sleeps: Sleeps, incident: str
) -> None:
    server.queue(error(429, "slow down", headers={"retry-after": "60"}))
    result = engine.distill(incident, SPEC)
    assert sleeps == [] and len(server.requests) == 1
    assert result.engine == "offline"
    assert "asked to wait 60s" in fallback_note(result)
    assert engine.stats.fallbacks == {"rate_limited": 1}


def test_persistent_500_falls_back_after_bounded_retries(
    engine: LLMEngine, server: FakeOpenAIServer, sleeps: Sleeps, incident: str
) -> None:
    server.default = error(500, "boom", kind="server_error")
    result = engine.distill(incident, SPEC)
    assert len(server.requests) == 3  # the first attempt and DEFAULT_MAX_RETRIES = 2 more
    assert len(sleeps) == 2 and all(0.3 <= s <= 1.0 for s in sleeps)  # backoff with jitter
    assert result.engine == "offline"
    assert fallback_note(result) == "llm fallback: server error 500 after 3 attempt(s)"
    assert engine.stats.fallbacks == {"server_error": 1}


def test_slow_server_times_out_and_falls_back(
    client: openai.OpenAI, server: FakeOpenAIServer, incident: str
) -> None:
    engine = LLMEngine(client, timeout=0.5)
    server.queue(reply(GOOD, delay=30))
    started = time.monotonic()
    result = engine.distill(incident, SPEC)
    assert time.monotonic() - started < 5
    assert result.engine == "offline"
    assert fallback_note(result) == "llm fallback: no answer within 0.5s"
    assert engine.stats.fallbacks == {"timeout": 1}


def test_refused_request_is_not_retried(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(error(401, "Incorrect API key provided", kind="invalid_request_error"))
    result = engine.distill(incident, SPEC)
    assert len(server.requests) == 1
    assert "refused the request (401): Incorrect API key" in fallback_note(result)
    assert engine.stats.fallbacks == {"rejected": 1}


def test_unreachable_server_falls_back(sleeps: Sleeps, incident: str) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with LLMEngine(api_key="k", base_url=f"http://127.0.0.1:{port}/v1", sleep=sleeps) as engine:
        result = engine.distill(incident, SPEC)
    assert result.engine == "offline"
    assert fallback_note(result).startswith(f"llm fallback: cannot reach http://127.0.0.1:{port}")
    assert len(sleeps) == 2


def test_breaker_opens_after_n_failures_and_closes_after_t(
    client: openai.OpenAI, server: FakeOpenAIServer, incident: str
) -> None:
    clock = FakeClock()
    engine = LLMEngine(
        client, max_retries=0, breaker_failures=2, breaker_reset_seconds=30, clock=clock
    )
    server.queue(error(500, "down", kind="server_error"), error(500, "down", kind="server_error"))
    engine.distill(incident, SPEC)
    engine.distill(incident + "\nsecond", SPEC)
    assert len(server.requests) == 2 and engine.breaker.state == "open"

    clock.advance(10)
    skipped = engine.distill(incident + "\nthird", SPEC)
    assert len(server.requests) == 2  # nothing reached the server while open
    assert skipped.engine == "offline"
    assert fallback_note(skipped) == (
        "llm fallback: the LLM is paused for 20s after 2 failed calls in a row"
    )

    clock.advance(21)
    server.queue(reply(GOOD))
    recovered = engine.distill(incident + "\nfourth", SPEC)
    assert len(server.requests) == 3 and recovered.engine == "llm:gpt-4o-mini"
    assert engine.breaker.state == "closed"
    assert engine.stats.fallbacks == {"server_error": 2, "circuit_open": 1}


def test_unexpected_error_still_ends_offline(
    client: openai.OpenAI, server: FakeOpenAIServer, incident: str
) -> None:
    def broken_hook(usage: CallUsage) -> None:
        raise RuntimeError("metrics backend down")

    engine = LLMEngine(client, on_usage=broken_hook)
    server.queue(reply(GOOD))
    result = engine.distill(incident, SPEC)
    assert result.engine == "offline"
    assert "unexpected RuntimeError: metrics backend down" in fallback_note(result)


def test_input_errors_still_reach_the_caller(engine: LLMEngine, server: FakeOpenAIServer) -> None:
    with pytest.raises(EmptyInputError):
        engine.distill("   \n ")
    assert server.requests == []
