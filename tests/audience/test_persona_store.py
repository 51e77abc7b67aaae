"""Conformance of the PersonaStore backends: one suite, SQLite and Postgres."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from audience import PersonaStore, PersonaStoreError, SqlitePersonaStore
from audience.store import Entry


def test_put_get_replace_delete(persona_store: PersonaStore) -> None:
    assert persona_store.get("channel", "C1") is None
    persona_store.put("channel", "C1", "engineer", "file")
    assert persona_store.get("channel", "C1") == Entry("engineer", "file")
    persona_store.put("channel", "C1", "leadership", "api:U42")
    assert persona_store.get("channel", "C1") == Entry("leadership", "api:U42")
    assert persona_store.delete("channel", "C1") is True
    assert persona_store.delete("channel", "C1") is False
    assert persona_store.items("channel") == {}


def test_kinds_are_separate_maps(persona_store: PersonaStore) -> None:
    persona_store.put("channel", "X1", "engineer", "api")
    persona_store.put("reader", "X1", "newcomer", "api")
    persona_store.put("persona", "sre", '{"name": "sre"}', "file")
    assert persona_store.items("channel") == {"X1": Entry("engineer", "api")}
    assert persona_store.items("reader") == {"X1": Entry("newcomer", "api")}
    assert set(persona_store.items("persona")) == {"sre"}
    with pytest.raises(ValueError, match="kind must be one of"):
        persona_store.items("team")  # type: ignore[arg-type]


def test_apply_writes_and_deletes_together(persona_store: PersonaStore) -> None:
    persona_store.apply("channel", {"C1": Entry("engineer", "file"), "C2": Entry("gtm", "file")})
    persona_store.apply("channel", {"C3": Entry("product", "file")}, deletes=["C1"])
    assert persona_store.items("channel") == {
        "C2": Entry("gtm", "file"),
        "C3": Entry("product", "file"),
    }


def test_text_is_stored_verbatim(persona_store: PersonaStore) -> None:
    odd = 'quote " backslash \\ newline \n emoji 🚨 nul-free; DROP TABLE x; --'
    persona_store.put("persona", "odd", odd, "api")
    assert persona_store.get("persona", "odd") == Entry(odd, "api")


def test_state_survives_reopening(open_persona_store: Callable[[], PersonaStore]) -> None:
    first = open_persona_store()
    first.put("channel", "C0INFRA", "oncall-engineer", "api")
    first.close()
    again = open_persona_store()
    assert again.get("channel", "C0INFRA") == Entry("oncall-engineer", "api")


def test_a_closed_store_says_so(persona_store: PersonaStore) -> None:
    persona_store.close()
    with pytest.raises(PersonaStoreError, match="closed; open a new one"):
        persona_store.items("channel")


def test_sqlite_in_data_dir_creates_the_dir(tmp_path) -> None:
    with SqlitePersonaStore.in_data_dir(tmp_path / "new" / "data") as store:
        store.put("channel", "C1", "engineer", "api")
    assert (tmp_path / "new" / "data" / "personas.sqlite3").exists()


def test_sqlite_unwritable_path_says_what_to_check(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a dir")
    with pytest.raises(PersonaStoreError, match="check the data dir is writable"):
        SqlitePersonaStore(blocker / "personas.sqlite3")


def test_postgres_unreachable_says_what_to_check() -> None:
    from audience import PostgresPersonaStore

    with pytest.raises(PersonaStoreError, match="check DATABASE_URL"):
        PostgresPersonaStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
