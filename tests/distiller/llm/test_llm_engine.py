"""LLMEngine end to end: the real openai client against the loopback OpenAI-compatible server.

Each test scripts the server's answers and asserts on what the engine sent and returned. No
test sleeps: retry waits go to a recording `sleep`, the breaker reads a fake clock, and the one
timeout test waits only for the engine's own (short) timeout. Resilience and prompt-injection
tests are in their own files.
"""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest

from distiller import ReaderSpec, count_tokens
from distiller.llm import CallUsage, LLMConfigError, LLMEngine, cost_usd
from tests.distiller.llm.support import (
    GOOD,
    INVENTED,
    SPEC,
    fallback_note,
    offline,
)
from tests.fakes.openai_server import FakeOpenAIServer, Reply, error, reply

# --- the happy path ------------------------------------------------------------------------


def test_faithful_reply_is_used(engine: LLMEngine, server: FakeOpenAIServer, incident: str) -> None:
    server.queue(reply(GOOD))
    result = engine.distill(incident, SPEC)

    assert result.engine == "llm:gpt-4o-mini"
    assert result.tldr == GOOD["tldr"]
    assert result.bullets == GOOD["bullets"]
    assert [(a.owner, a.due) for a in result.asks] == [("<@U999ZZZ>", "by Friday")]
    assert not [n for n in result.notes if n.startswith("llm")]
    assert result.persona == "oncall" and result.budget_tokens == 120
    assert result.tokens_out == count_tokens(result.render_text()) <= 120
    assert "4.2%" in result.facts.numbers.kept
    (request,) = server.requests
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["response_format"]["type"] == "json_schema"
    assert request.body["response_format"]["json_schema"]["strict"] is True
    assert request.body["temperature"] == 0
    assert request.headers["authorization"] == "Bearer test-key"


def test_prompt_carries_persona_must_keep_facts_and_asks(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(reply(GOOD))
    spec = ReaderSpec(
        budget_tokens=90,
        persona="leadership",
        focus=("impact",),
        vocabulary="general",
        glossary={"p99": "the slowest 1% of requests"},
    )
    engine.distill(incident, spec)
    (request,) = server.requests
    system = request.content("system")[0]
    user = request.content("user")[0]
    for expected in ("leadership", "impact", "plain words", "p99 = the slowest 1%", "90 tokens"):
        assert expected in system
    extract = json.loads(re.search(r"<extract>\n(.*)\n</extract>", user, re.S).group(1))
    must_keep = offline(incident, spec)
    assert extract["facts"]["numbers"] == must_keep.facts.numbers.kept
    assert extract["asks"] == [ask.text for ask in must_keep.asks]


def test_glossary_expansions_are_not_inventions(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    expanded = {**GOOD, "bullets": ["p99 (the slowest 1% of requests) reached 850ms."]}
    server.queue(reply(expanded))
    spec = SPEC.model_copy(update={"glossary": {"p99": "the slowest 1% of requests"}})
    result = engine.distill(incident, spec)
    assert result.engine == "llm:gpt-4o-mini", result.notes


# --- the guard, the repair request, the fallback -------------------------------------------


def test_invented_number_gets_one_repair_then_falls_back(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(reply(INVENTED), reply(INVENTED))
    result = engine.distill(incident, SPEC)

    first, repair = server.requests
    assert repair.messages[:2] == first.messages
    assert repair.messages[2] == {"role": "assistant", "content": json.dumps(INVENTED)}
    repair_text = repair.content("user")[-1]
    assert "number '4.5%' not in source" in repair_text
    assert result.engine == "offline"
    assert fallback_note(result) == "llm fallback: guard rejected number '4.5%' not in source"
    expected = offline(incident)
    assert (result.tldr, result.bullets, result.asks) == (
        expected.tldr,
        expected.bullets,
        expected.asks,
    )
    stats = engine.stats
    assert (stats.calls, stats.repairs, stats.guard_rejections) == (2, 1, 2)
    assert stats.fallbacks == {"guard": 1} and stats.distillations == 0


def test_repaired_reply_is_accepted_and_says_so(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    bad_link = {**GOOD, "bullets": ["Runbook: https://wiki.example.com/runbooks/payments-v2."]}
    server.queue(reply(bad_link), reply(GOOD))
    result = engine.distill(incident, SPEC)

    assert result.engine == "llm:gpt-4o-mini"
    assert result.tldr == GOOD["tldr"]
    assert (
        "link 'https://wiki.example.com/runbooks/payments-v2' not in source"
        in (server.requests[1].content("user")[-1])
    )
    assert any(n.startswith("llm: first reply corrected after: link") for n in result.notes)
    assert engine.stats.distillations == 1 and engine.stats.fallbacks == {}


def test_invalid_json_twice_falls_back(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(reply("Sure! Here is the summary: the deploy failed."), reply("{tldr: nope"))
    result = engine.distill(incident, SPEC)
    assert "not a JSON object" in server.requests[1].content("user")[-1]
    assert result.engine == "offline"
    assert fallback_note(result).startswith("llm fallback: the reply is not a JSON object")
    assert engine.stats.fallbacks == {"bad_response": 1}


def test_empty_choices_fall_back(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(Reply(choices=False), Reply(choices=False))
    result = engine.distill(incident, SPEC)
    assert len(server.requests) == 2
    assert result.engine == "offline"
    assert fallback_note(result) == "llm fallback: the reply had no choices"


def test_cut_off_reply_is_not_used(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(reply(GOOD, finish_reason="length"), reply(GOOD, finish_reason="length"))
    result = engine.distill(incident, SPEC)
    assert result.engine == "offline" and "cut off" in fallback_note(result)


# --- cache, structured output, accounting --------------------------------------------------


def test_cache_hit_sends_no_request(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(reply(GOOD), reply(GOOD))
    first = engine.distill(incident, SPEC)
    again = engine.distill(incident, SPEC)
    assert len(server.requests) == 1
    assert again == first and engine.stats.cache_hits == 1
    engine.distill(incident, SPEC.model_copy(update={"budget_tokens": 100}))
    assert len(server.requests) == 2  # another budget is another key


def test_fallbacks_are_not_cached(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.queue(error(401, "bad key"), reply(GOOD))
    assert engine.distill(incident, SPEC).engine == "offline"
    assert engine.distill(incident, SPEC).engine == "llm:gpt-4o-mini"


def test_plain_json_mode_when_json_schema_is_refused(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    server.reject_json_schema = True
    fenced = "```json\n" + json.dumps(GOOD, indent=2).replace("\n  ]", ",\n  ]") + "\n```"
    assert ",\n  ]" in fenced  # trailing commas, as small local models write them
    server.queue(reply(fenced), reply(GOOD))

    result = engine.distill(incident, SPEC)
    assert result.engine == "llm:gpt-4o-mini" and result.tldr == GOOD["tldr"]
    refused, plain = server.requests
    assert refused.body["response_format"]["type"] == "json_schema"
    assert "response_format" not in plain.body
    assert engine.structured_output is False

    engine.distill(incident + "\nlater", SPEC)
    assert len(server.requests) == 3 and "response_format" not in server.requests[2].body


def test_tokens_and_cost_are_counted(
    client: openai.OpenAI, server: FakeOpenAIServer, incident: str
) -> None:
    seen: list[CallUsage] = []
    engine = LLMEngine(client, on_usage=seen.append)
    server.queue(reply(INVENTED, usage=(1000, 200)), reply(GOOD, usage=(1300, 150)))
    engine.distill(incident, SPEC)

    assert [(u.prompt_tokens, u.completion_tokens) for u in seen] == [(1000, 200), (1300, 150)]
    stats = engine.stats
    assert (stats.calls, stats.prompt_tokens, stats.completion_tokens) == (2, 2300, 350)
    assert stats.cost_usd == pytest.approx(cost_usd("gpt-4o-mini", 2300, 350))
    assert stats.cost_usd == pytest.approx((2300 * 0.15 + 350 * 0.60) / 1e6)
    assert (stats.repairs, stats.guard_rejections, stats.distillations) == (1, 1, 1)


def test_unknown_model_costs_nothing(
    client: openai.OpenAI, server: FakeOpenAIServer, incident: str
) -> None:
    engine = LLMEngine(client, model="llama3.1:8b")
    server.queue(reply(GOOD, model="llama3.1:8b", usage=(900, 100)))
    assert engine.distill(incident, SPEC).engine == "llm:llama3.1:8b"
    assert engine.stats.cost_usd == 0 and engine.stats.prompt_tokens == 900


# --- the budget ----------------------------------------------------------------------------


def test_budget_is_respected(engine: LLMEngine, server: FakeOpenAIServer, incident: str) -> None:
    many = {**GOOD, "bullets": [*GOOD["bullets"], *["Rolled back to v2.14.0 at 14:32 UTC."] * 4]}
    server.queue(reply(many))
    spec = ReaderSpec(budget_tokens=80)
    result = engine.distill(incident, spec)
    assert result.engine == "llm:gpt-4o-mini"
    assert count_tokens(result.render_text()) <= 80
    assert any("bullet(s) dropped to fit the 80-token budget" in n for n in result.notes)


def test_over_budget_tldr_falls_back_within_budget(
    engine: LLMEngine, server: FakeOpenAIServer, incident: str
) -> None:
    long_tldr = {"tldr": " ".join([GOOD["tldr"]] * 6), "bullets": [], "asks": []}
    server.queue(reply(long_tldr), reply(long_tldr))
    result = engine.distill(incident, ReaderSpec(budget_tokens=40))
    assert "output over the token budget" in server.requests[1].content("user")[-1]
    assert result.engine == "offline" and count_tokens(result.render_text()) <= 40


# --- construction --------------------------------------------------------------------------


def test_engine_builds_its_own_client(server: FakeOpenAIServer, incident: str) -> None:
    server.queue(reply(GOOD))
    with LLMEngine(api_key="sk-local", base_url=server.base_url, model="gpt-4o-mini") as engine:
        assert engine.name == "llm:gpt-4o-mini" and engine.needs_network
        assert engine.distill(incident, SPEC).engine == "llm:gpt-4o-mini"
    assert server.requests[0].headers["authorization"] == "Bearer sk-local"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "pass api_key="),
        ({"api_key": "k", "model": " "}, "pass model="),
        ({"api_key": "k", "timeout": 0}, "timeout must be"),
        ({"api_key": "k", "max_retries": -1}, "max_retries must be"),
        ({"api_key": "k", "breaker_failures": 0}, "circuit breaker needs"),
    ],
)
def test_bad_settings_say_what_to_do(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(LLMConfigError, match=re.escape(message)):
        LLMEngine(**kwargs)


def test_client_and_settings_are_exclusive(client: openai.OpenAI) -> None:
    with pytest.raises(LLMConfigError, match="either client= or api_key="):
        LLMEngine(client, api_key="k")
