"""Persona inference from a channel's name, topic, purpose and messages."""

from __future__ import annotations

import pytest

from audience import BUILTIN_PERSONAS, ChannelProfile, PersonaInferrer, parse_persona
from distiller.embed import HashingEmbedder, MiniLMEmbedder


@pytest.fixture(scope="module")
def hashing() -> PersonaInferrer:
    return PersonaInferrer(HashingEmbedder())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("infra-oncall", "oncall-engineer"),
        ("#incidents", "oncall-engineer"),
        ("sre-pager", "oncall-engineer"),
        ("exec-staff", "leadership"),
        ("leadership", "leadership"),
        ("gtm-emea", "gtm"),
        ("sales-west", "gtm"),
        ("support-tier2", "gtm"),
        ("new-hires", "newcomer"),
        ("onboarding", "newcomer"),
        ("product-payments", "product"),
        ("agents-coding", "agent"),
        ("bot-deploys", "agent"),
        ("eng-payments", "engineer"),
        ("dev-tools", "engineer"),
    ],
)
def test_the_name_alone_picks_the_persona_and_says_so(hashing, name, expected) -> None:
    inference = hashing.infer(ChannelProfile(name=name))
    assert inference.persona == expected
    assert not inference.fallback
    assert inference.reasons == ["name"]
    assert inference.explanation == f"#{name.lstrip('#')} → {expected}: name"
    assert 0.5 <= inference.confidence <= 1.0


def test_specific_cues_beat_generic_ones(hashing) -> None:
    assert hashing.infer(ChannelProfile(name="infra-oncall")).persona == "oncall-engineer"
    assert hashing.infer(ChannelProfile(name="eng-leadership")).persona == "leadership"


def test_name_and_topic_agreeing_are_surer_and_both_named(hashing) -> None:
    name_only = hashing.infer(ChannelProfile(name="infra-oncall"))
    both = hashing.infer(
        ChannelProfile(name="infra-oncall", topic="Production incidents, outages and pager alerts")
    )
    assert both.persona == "oncall-engineer"
    assert both.confidence > name_only.confidence
    assert both.explanation == "#infra-oncall → oncall-engineer: name, topic"


def test_low_confidence_falls_back_to_engineer_and_says_so(hashing) -> None:
    inference = hashing.infer(ChannelProfile(name="random-42", purpose="memes and lunch plans"))
    assert inference.persona == "engineer"
    assert inference.fallback and inference.confidence < hashing.threshold
    assert inference.guess in BUILTIN_PERSONAS
    assert "low confidence" in inference.explanation and "default engineer" in inference.explanation


def test_nothing_to_go_on_is_the_default(hashing) -> None:
    inference = hashing.infer(ChannelProfile(id="C0ABC"))
    assert inference.persona == "engineer" and inference.fallback
    assert inference.explanation.startswith("C0ABC → engineer: low confidence 0.14")


def test_threshold_is_a_knob() -> None:
    strict = PersonaInferrer(HashingEmbedder(), threshold=0.9)
    assert strict.infer(ChannelProfile(name="exec-staff")).fallback
    with pytest.raises(ValueError, match="between 0 and 1"):
        PersonaInferrer(HashingEmbedder(), threshold=2)


def test_custom_personas_take_part(hashing) -> None:
    finance = parse_persona(
        {
            "name": "finance",
            "description": "Finance team: budget, invoices, spend, forecasts and cost reports.",
            "priorities": ["invoices", "spend", "forecast"],
        }
    )
    personas = {**BUILTIN_PERSONAS, "finance": finance}
    inference = hashing.infer(
        ChannelProfile(name="money", purpose="invoices, spend and cost reports, forecasts"),
        personas,
    )
    assert inference.persona == "finance"
    assert inference.reasons == ["purpose"]


def test_short_messages_are_ignored_and_the_sample_is_bounded() -> None:
    calls: list[list[str]] = []

    class Recording(HashingEmbedder):
        def embed_batch(self, texts):
            calls.append(list(texts))
            return super().embed_batch(texts)

    inferrer = PersonaInferrer(Recording(), sample_messages=5)
    messages = ("ok", "thanks!", *(f"deploy {i} of payments-api failed" for i in range(20)))
    inferrer.infer(ChannelProfile(name="x1", messages=messages))
    embedded = [t for batch in calls for t in batch if "payments-api" in t]
    assert len(embedded) == 3  # the first 5 texts, minus the 2 too short to say anything


@pytest.fixture(scope="module")
def minilm() -> PersonaInferrer:
    return PersonaInferrer(MiniLMEmbedder())


def test_minilm_infers_from_purpose_alone(minilm) -> None:
    inference = minilm.infer(
        ChannelProfile(name="random-42", purpose="pager alerts and production incidents")
    )
    assert inference.persona == "oncall-engineer"
    assert inference.reasons == ["purpose"]
    assert inference.confidence >= 0.8
    assert inference.explanation == "#random-42 → oncall-engineer: purpose"
    vague = minilm.infer(ChannelProfile(name="random-42", purpose="random stuff and memes"))
    assert vague.fallback and vague.persona == "engineer"
