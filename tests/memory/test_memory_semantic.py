"""With the real MiniLM model, search finds a paraphrase that shares almost no words."""

from __future__ import annotations

from pathlib import Path

import pytest
from memory_helpers import member, source

from distiller.embed import MiniLMEmbedder
from memory import FaissStore, Visibility


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def test_paraphrase_is_found(minilm: MiniLMEmbedder, tmp_path: Path) -> None:
    statements = [
        "Postgres 16 upgrade of the orders database finishes Thursday 14:00 UTC",
        "The design review for the mobile onboarding flow moved to next sprint",
        "Kafka consumer lag on the events topic is back under 1000 messages",
        "New hires get laptop access through the IT self-service portal",
    ]
    with FaissStore(tmp_path / "mem", minilm) as store:
        for i, text in enumerate(statements):
            store.add(text, source=source(1_717_000_000 + i), visibility=Visibility.team("infra"))
        hits = store.search("when will the DB version bump be done?", member("infra"), k=4)
        assert hits[0].record.text == statements[0]
        hits = store.search("streaming backlog recovered", member("infra"), k=4)
        assert hits[0].record.text == statements[2]
