"""The LLM engine's parts on their own: reply parsing, breaker, cache, prices, prompt, surface."""

from __future__ import annotations

import email.utils
import inspect
import re
from collections.abc import Iterator

import openai
import pytest

import distiller.llm as llm
from distiller import DistillerError, ReaderSpec, prepare_thread
from distiller.llm import (
    CircuitBreaker,
    DistillationCache,
    LLMError,
    LLMResponseError,
    cache_key,
    cost_usd,
    neutralise_tags,
    parse_draft,
    price_for,
    repair_json,
)
from distiller.llm.chat import retry_after_seconds
from distiller.result import Distillation
from tests.fakes.openai_server import FakeOpenAIServer, reply

# --- the public surface is pinned ----------------------------------------------------------

EXPORTED = {
    "DEFAULT_BASE_URL", "DEFAULT_BREAKER_FAILURES", "DEFAULT_BREAKER_RESET_SECONDS",
    "DEFAULT_CACHE_SIZE", "DEFAULT_MAX_RETRIES", "DEFAULT_MODEL", "DEFAULT_PRICES",
    "DEFAULT_TEMPERATURE", "DEFAULT_TIMEOUT_SECONDS", "RESPONSE_FORMAT", "RESPONSE_SCHEMA",
    "BreakerState", "CallUsage", "ChatCaller", "CircuitBreaker", "CircuitOpenError",
    "Completion", "DistillationCache", "Draft", "DraftAsk", "Finding", "FindingKind",
    "GuardRejectedError", "LLMConfigError", "LLMConnectionError", "LLMEngine", "LLMError",
    "LLMRateLimitError", "LLMRejectedError", "LLMRequestError", "LLMResponseError",
    "LLMServerError", "LLMStats", "LLMTimeoutError", "Price", "Prompt",
    "SchemaUnsupportedError", "SourceFacts", "build_prompt", "cache_key", "check_output",
    "cost_usd", "neutralise_tags", "parse_draft", "price_for", "repair_json",
}  # fmt: skip


def test_exported_members_are_pinned() -> None:
    assert set(llm.__all__) == EXPORTED
    for name in llm.__all__:
        assert getattr(llm, name) is not None


def test_one_error_tree_with_distinct_reasons() -> None:
    errors = [obj for _, obj in inspect.getmembers(llm.errors, inspect.isclass)]
    errors = [e for e in errors if issubclass(e, LLMError)]
    assert all(issubclass(e, DistillerError) for e in errors)
    reasons = [e.reason for e in errors]
    assert len(reasons) == len(set(reasons)) == 12


# --- parsing replies -----------------------------------------------------------------------


def test_plain_json_parses() -> None:
    draft = parse_draft('{"tldr": " Deploy failed. ", "bullets": ["a"], "asks": []}')
    assert (draft.tldr, draft.bullets, draft.asks) == ("Deploy failed.", ["a"], [])


def test_fenced_json_with_trailing_commas_and_prose_is_repaired() -> None:
    content = (
        "Here is the distillation:\n```json\n"
        '{"tldr": "Deploy failed, rolled back.", "bullets": ["a, b",], '
        '"asks": [{"text": "review [PR], now", "owner": null, "due": null,},],}\n```\n'
        "Hope it helps!"
    )
    draft = parse_draft(content)
    assert draft.tldr == "Deploy failed, rolled back."
    assert draft.bullets == ["a, b"]
    assert draft.asks[0].text == "review [PR], now"


def test_repair_keeps_commas_inside_strings() -> None:
    assert repair_json('{"a": "x,]", "b": [1, 2,],}') == '{"a": "x,]", "b": [1, 2]}'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("The deploy failed.", "not a JSON object"),
        ("[1, 2]", "not a JSON object (list)"),
        ('{"bullets": []}', "tldr: Field required"),
        ('{"tldr": "  "}', "tldr is empty"),
        ('{"tldr": "x", "bullets": "one"}', "bullets: Input should be a valid list"),
    ],
)
def test_unusable_replies_say_why(content: str, message: str) -> None:
    with pytest.raises(LLMResponseError, match=re.escape(message)):
        parse_draft(content)


# --- breaker -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_half_opens_and_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 10, clock=clock)
    for _ in range(2):
        breaker.record_failure()
    assert breaker.allow() and breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now = 9.5
    assert not breaker.allow() and breaker.retry_in() == pytest.approx(0.5)
    clock.now = 10
    assert breaker.state == "half-open"
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.record_failure()  # the probe failed: open again for the full period
    assert breaker.state == "open" and breaker.retry_in() == 10
    clock.now = 20
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(2, 10, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


# --- cache ---------------------------------------------------------------------------------


def test_cache_is_lru_and_bounded() -> None:
    cache = DistillationCache(2)
    a, b, c = (Distillation(tldr=t) for t in "abc")
    cache.put(("a",), a)
    cache.put(("b",), b)
    assert cache.get(("a",)) == a  # a is now the most recent
    cache.put(("c",), c)
    assert cache.get(("b",)) is None and cache.get(("a",)) == a and len(cache) == 2
    off = DistillationCache(0)
    off.put(("a",), a)
    assert off.get(("a",)) is None


def test_cache_key_covers_text_spec_model_and_budget() -> None:
    thread = prepare_thread("The deploy failed at 14:05.")
    spec = ReaderSpec(persona="oncall")
    key = cache_key(thread, spec, "gpt-4o-mini", 60)
    assert key == cache_key(prepare_thread("The deploy failed at 14:05."), spec, "gpt-4o-mini", 60)
    others = [
        cache_key(prepare_thread("The deploy failed at 14:06."), spec, "gpt-4o-mini", 60),
        cache_key(thread, ReaderSpec(persona="leadership"), "gpt-4o-mini", 60),
        cache_key(thread, spec, "gpt-4o", 60),
        cache_key(thread, spec, "gpt-4o-mini", 80),
        cache_key(prepare_thread([{"user": "ana", "text": "The deploy failed at 14:05."}]), spec,
                  "gpt-4o-mini", 60),
    ]  # fmt: skip
    assert len({key, *others}) == 6


# --- prices --------------------------------------------------------------------------------


def test_prices_by_exact_name_dated_name_and_unknown() -> None:
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini")  # longest prefix
    assert price_for("gpt-4o-2024-08-06") == price_for("gpt-4o")
    assert cost_usd("llama3.1:8b", 5000, 5000) == 0.0
    assert cost_usd("mine", 1_000_000, 0, {"mine": llm.Price(2.0, 0.0)}) == 2.0


# --- Retry-After ---------------------------------------------------------------------------


def test_retry_after_in_ms_seconds_or_a_date() -> None:
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=lambda: 1_000_000) == 30
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


# --- prompt --------------------------------------------------------------------------------


def test_delimiter_tags_in_data_are_neutralised() -> None:
    text = "a </message> b < MESSAGE foo=1> c <extract> d <@U1> <https://x.io|x>"
    assert neutralise_tags(text) == "a [/message] b [message] c [extract] d <@U1> <https://x.io|x>"


# --- the fake server speaks streaming too --------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def test_fake_server_streams_chunks_with_usage(server: FakeOpenAIServer) -> None:
    server.queue(reply('{"tldr": "a streamed answer that spans chunks"}', usage=(11, 7)))
    http = openai.DefaultHttpxClient(verify=False)
    with openai.OpenAI(api_key="k", base_url=server.base_url, http_client=http) as client:
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == '{"tldr": "a streamed answer that spans chunks"}'
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 18
    assert server.wait_for_requests(1)[0].body["stream"] is True
