"""Which persona a result is for: explicit > reader (private) > channel > inferred > default."""

from __future__ import annotations

import pytest

from audience import (
    ChannelProfile,
    PersonaInferrer,
    PersonaRegistry,
    SqlitePersonaStore,
    UnknownPersonaError,
    resolve_persona,
)
from distiller.embed import HashingEmbedder


@pytest.fixture
def registry(tmp_path) -> PersonaRegistry:
    registry = PersonaRegistry(SqlitePersonaStore(tmp_path / "personas.sqlite3"))
    registry.set_channel_persona("C0INFRA", "oncall-engineer")
    registry.set_reader_persona("U0NEW", "newcomer")
    yield registry
    registry.store.close()


INFERRER = PersonaInferrer(HashingEmbedder())


def test_channel_setting(registry) -> None:
    chosen = resolve_persona(registry, channel_id="C0INFRA", channel_name="infra-oncall")
    assert chosen.persona.name == "oncall-engineer" and chosen.source == "channel"
    assert chosen.explanation == "for #infra-oncall: oncall-engineer (channel setting)"


def test_explicit_beats_everything(registry) -> None:
    chosen = resolve_persona(
        registry,
        channel_id="C0INFRA",
        explicit="leadership",
        reader_id="U0NEW",
        private_to_reader=True,
    )
    assert chosen.source == "explicit"
    assert chosen.explanation == "for C0INFRA: leadership (asked for in the request)"
    with pytest.raises(UnknownPersonaError, match="valid personas"):
        resolve_persona(registry, explicit="ceo")


def test_reader_preference_only_for_results_only_they_see(registry) -> None:
    private = resolve_persona(
        registry,
        channel_id="C0INFRA",
        channel_name="infra-oncall",
        reader_id="U0NEW",
        private_to_reader=True,
    )
    assert private.persona.name == "newcomer" and private.source == "reader"
    assert "your own preference; only you see this" in private.explanation
    shared = resolve_persona(registry, channel_id="C0INFRA", reader_id="U0NEW")
    assert shared.persona.name == "oncall-engineer"


def test_inferred_when_the_channel_has_no_setting(registry) -> None:
    fetched: list[str] = []

    def profile() -> ChannelProfile:
        fetched.append("x")
        return ChannelProfile(name="exec-staff")

    chosen = resolve_persona(
        registry, channel_id="C0EXEC", channel_name="exec-staff", inferrer=INFERRER, profile=profile
    )
    assert chosen.persona.name == "leadership" and chosen.source == "inferred"
    assert chosen.explanation.startswith("for #exec-staff: leadership (inferred from name; conf")
    assert chosen.inference is not None and fetched == ["x"]
    # A configured channel never fetches its profile.
    resolve_persona(registry, channel_id="C0INFRA", inferrer=INFERRER, profile=profile)
    assert fetched == ["x"]


def test_inference_not_confident_is_the_default_and_says_why(registry) -> None:
    chosen = resolve_persona(
        registry, channel_id="C0RAND", inferrer=INFERRER, profile=ChannelProfile(name="random-42")
    )
    assert chosen.persona.name == "engineer" and chosen.source == "default"
    assert "default; low confidence" in chosen.explanation


def test_default_is_configurable_and_checked(registry) -> None:
    assert resolve_persona(registry, default="agent").explanation == (
        "for this request: agent (default)"
    )
    with pytest.raises(UnknownPersonaError):
        resolve_persona(registry, default="nobody")
