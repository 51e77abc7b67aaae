"""The conformance suite: every MemoryStore backend must pass each test here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from memory_helpers import WORKSPACE, member, source, team

from memory import (
    AccessDeniedError,
    InvalidRecordError,
    Kind,
    MemoryStore,
    RecordNotFoundError,
    Visibility,
)

T0 = 1_717_000_000.0  # a Slack ts in June 2024
INFRA = member("infra")


def test_add_then_search_get_and_export(store: MemoryStore) -> None:
    added = store.add(
        "Checkout latency p95 is 840 ms after the cache rollout",
        source=source(T0),
        visibility=team("infra"),
        kind="incident",
        tags=("checkout",),
    )
    assert added.action == "inserted"
    record = added.record
    assert record.kind is Kind.INCIDENT and record.seen_count == 1
    assert record.valid_from.timestamp() == pytest.approx(T0)
    assert record.sources == (record.source,)

    hits = store.search("checkout latency", INFRA, k=5)
    assert [hit.record.id for hit in hits] == [record.id]
    assert 0.3 < hits[0].score <= 1.0001
    assert store.get(record.id, INFRA) == record
    assert [r.id for r in store.export(INFRA)] == [record.id]
    assert store.stats().current == 1 and store.stats().total == 1


def test_ranking_puts_the_closest_statement_first(store: MemoryStore) -> None:
    for i, text in enumerate(
        [
            "The billing service owner is the payments team",
            "Kafka consumer lag alert fires above 10000 messages",
            "Deploy freeze starts on December 20",
        ]
    ):
        store.add(text, source=source(T0 + i), visibility=team("infra"))
    hits = store.search("kafka consumer lag alert", INFRA, k=3)
    assert hits[0].record.text.startswith("Kafka consumer lag")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_other_teams_see_nothing_and_get_looks_like_absent(store: MemoryStore) -> None:
    secret_plan = store.add(
        "Layoff plan review meets on Tuesday", source=source(T0), visibility=team("hr")
    ).record
    assert store.search("layoff plan review", INFRA) == []
    assert list(store.export(INFRA)) == []
    with pytest.raises(RecordNotFoundError, match="that you may read"):
        store.get(secret_plan.id, INFRA)
    with pytest.raises(RecordNotFoundError):
        store.get("no-such-id", member("hr"))
    assert store.get(secret_plan.id, member("hr")).id == secret_plan.id


def test_visibility_scopes(store: MemoryStore) -> None:
    texts = {
        "public": ("Public runbook for the status page", Visibility.public("C0PUBLIC")),
        "private": ("Private incident channel notes", Visibility.private("C0SECRET")),
        "workspace": ("Workspace wide holiday calendar", Visibility.workspace(WORKSPACE)),
        "other_ws": ("Other workspace roadmap", Visibility.workspace("T0OTHER")),
    }
    for i, (text, visibility) in enumerate(texts.values()):
        store.add(text, source=source(T0 + i), visibility=visibility)

    def readable(principal) -> set[str]:
        return {r.text for r in store.export(principal)}

    everyone = {texts["public"][0], texts["workspace"][0]}
    assert readable(member("infra")) == everyone
    assert readable(member(channels=("C0SECRET",))) == everyone | {texts["private"][0]}
    # A guest reads only the channels it was invited to, even public ones it is not in.
    assert readable(member(guest=True)) == set()
    assert readable(member(guest=True, channels=("C0PUBLIC",))) == {texts["public"][0]}


def test_near_duplicate_merges_sources(store: MemoryStore) -> None:
    first = store.add(
        "The staging database is read only until the migration ends",
        source=source(T0, channel="C1", name="infra"),
        visibility=team("infra"),
    ).record
    again = store.add(
        "The staging database is read-only until the migration ends.",
        source=source(T0 + 60, channel="C2", name="dba"),
        visibility=team("infra"),
    )
    assert again.action == "merged"
    assert again.record.id == first.id
    assert again.record.seen_count == 2
    assert [s.channel_id for s in again.record.sources] == ["C1", "C2"]
    # Re-delivering the same Slack message is idempotent.
    third = store.add(
        "The staging database is read only until the migration ends",
        source=source(T0 + 60, channel="C2", name="dba"),
        visibility=team("infra"),
    )
    assert third.action == "unchanged" and third.record.seen_count == 2
    assert store.stats().total == 1
    # The same words under another visibility are another team's knowledge: not merged.
    other = store.add(
        "The staging database is read only until the migration ends",
        source=source(T0 + 90),
        visibility=team("dba"),
    )
    assert other.action == "inserted"


def test_supersession_keeps_history_and_search_returns_current(store: MemoryStore) -> None:
    old = store.add(
        "The payments migration ETA is Friday", source=source(T0), visibility=team("infra")
    ).record
    new = store.add(
        "The payments migration ETA moved to Monday",
        source=source(T0 + 3600),
        visibility=team("infra"),
    )
    assert new.action == "inserted" and new.superseded == (old.id,)
    current = store.search("payments migration ETA", INFRA)
    assert [h.record.id for h in current] == [new.record.id]
    history = {
        h.record.id: h.record
        for h in store.search("payments migration ETA", INFRA, include_history=True)
    }
    assert set(history) == {old.id, new.record.id}
    assert history[old.id].superseded_by == new.record.id
    assert history[old.id].invalid_at == new.record.valid_from
    assert store.get(old.id, INFRA).invalid_at is not None
    assert store.stats().current == 1 and store.stats().total == 2
    assert [r.id for r in store.export(INFRA, include_history=False)] == [new.record.id]


def test_late_arriving_older_statement_goes_to_history(store: MemoryStore) -> None:
    newer = store.add(
        "Feature flag new-checkout is disabled", source=source(T0 + 100), visibility=team("infra")
    ).record
    older = store.add(
        "Feature flag new-checkout is enabled", source=source(T0), visibility=team("infra")
    )
    assert older.record.superseded_by == newer.id
    assert [h.record.id for h in store.search("new-checkout flag", INFRA)] == [newer.id]


def test_delete_by_id_revives_what_it_superseded(store: MemoryStore) -> None:
    old = store.add(
        "Owner of the billing service is <@U111>", source=source(T0), visibility=team("infra")
    ).record
    new = store.add(
        "Owner of the billing service is <@U222>", source=source(T0 + 5), visibility=team("infra")
    ).record
    assert store.get(old.id, INFRA).superseded_by == new.id
    assert store.delete([new.id, "missing"]) == 1
    with pytest.raises(RecordNotFoundError):
        store.get(new.id, INFRA)
    assert store.get(old.id, INFRA).is_current
    assert [h.record.id for h in store.search("billing service owner", INFRA)] == [old.id]
    assert store.stats().total == 1


def test_delete_by_source_message_and_by_channel(store: MemoryStore) -> None:
    vis = team("infra")
    merged = store.add(
        "Redis cluster runs out of memory at peak", source=source(T0, channel="C1"), visibility=vis
    ).record
    store.add(
        "Redis cluster runs out of memory at peak",
        source=source(T0 + 1, channel="C2"),
        visibility=vis,
    )
    lone = store.add(
        "Grafana dashboards moved to the new folder",
        source=source(T0 + 2, channel="C1"),
        visibility=vis,
    ).record
    other = store.add(
        "Vault tokens rotate every 30 days", source=source(T0 + 3, channel="C3"), visibility=vis
    ).record

    # The Slack message in C1 is deleted: the merged record keeps its C2 source.
    assert store.delete_source(WORKSPACE, "C1", f"{T0:.6f}") == 1
    kept = store.get(merged.id, INFRA)
    assert [s.channel_id for s in kept.sources] == ["C2"] and kept.source.channel_id == "C2"
    assert kept.seen_count == 1

    assert store.delete_channel(WORKSPACE, "C1") == 1  # the grafana record
    with pytest.raises(RecordNotFoundError):
        store.get(lone.id, INFRA)
    assert store.delete_channel(WORKSPACE, "C2") == 1
    assert {r.id for r in store.export(INFRA)} == {other.id}
    assert store.search("redis memory", INFRA) == [] or all(
        h.record.id == other.id for h in store.search("redis memory", INFRA)
    )
    assert store.stats().total == 1


def test_retention_purges_expired_kinds_only(store: MemoryStore) -> None:
    status = store.add(
        "Build queue is 40 minutes long", source=source(T0), visibility=team("infra"), kind="status"
    ).record
    fact = store.add(
        "The build farm has 12 runners", source=source(T0), visibility=team("infra"), kind="fact"
    ).record
    now = status.valid_from + timedelta(days=10)
    assert store.purge_expired({"status": timedelta(days=7)}, now=now) == 1
    assert {r.id for r in store.export(INFRA)} == {fact.id}


def test_writes_are_checked_against_the_writer(store: MemoryStore) -> None:
    with pytest.raises(AccessDeniedError, match="may not write"):
        store.add("Plant this in HR", source=source(T0), visibility=team("hr"), principal=INFRA)
    ok = store.add("Our own note", source=source(T0), visibility=team("infra"), principal=INFRA)
    assert ok.action == "inserted"


def test_bad_inputs_say_what_to_do(store: MemoryStore) -> None:
    with pytest.raises(InvalidRecordError, match="empty"):
        store.add("   \n ", source=source(T0), visibility=team("infra"))
    with pytest.raises(InvalidRecordError, match="k must be"):
        store.search("anything", INFRA, k=0)
    with pytest.raises(InvalidRecordError, match="budget_tokens"):
        store.context("anything", INFRA, budget_tokens=1)
    with pytest.raises(InvalidRecordError, match="team:<team>"):
        Visibility.parse("teams/infra")
    assert Visibility.parse("team:infra") == team("infra")


def test_context_pack_is_cited_and_within_budget(store: MemoryStore) -> None:
    for i in range(30):
        store.add(
            f"Service shard-{i:02d} of the search cluster restarts nightly at {i % 12 + 1} am",
            source=source(T0 + i, channel="C0SEARCH", name="search-ops"),
            visibility=team("infra"),
        )
    store.add("HR secret about the search cluster", source=source(T0), visibility=team("hr"))
    pack = store.context("search cluster restarts", INFRA, budget_tokens=120)
    from distiller.tokens import count_tokens

    assert pack.tokens == count_tokens(pack.text) <= 120
    assert 1 <= len(pack.records) < 30
    lines = pack.text.splitlines()[1:]
    for number, (line, record, citation) in enumerate(
        zip(lines, pack.records, pack.citations, strict=True), start=1
    ):
        assert line.startswith(f"[{number}] (2024-05-29, #search-ops, fact) {record.text}")
        assert line.endswith(f"<{record.source.permalink}>")
        assert citation.record_id == record.id and citation.number == number
    assert "HR secret" not in pack.text
    nothing = store.context("search cluster", member("sales"), budget_tokens=100)
    assert nothing.records == () and "nothing relevant" in nothing.text
