"""The memory over HTTP: each key sees only what its principal may read."""

from fastapi.testclient import TestClient

from tests.api.conftest import caller


def _source(ts: str) -> dict[str, str]:
    return {
        "channel_id": "C0INFRA",
        "channel_name": "infra",
        "ts": ts,
        "permalink": f"https://acme.slack.com/archives/C0INFRA/p{ts.replace('.', '')}",
    }


def test_teams_only_see_their_own_records(client: TestClient) -> None:
    infra, sales = caller(client, "infra-mem"), caller(client, "sales-mem")
    written = infra.post(
        "/v1/memory",
        json={
            "text": "The ledger migration finishes on Friday.",
            "source": _source("1712345678.000100"),
        },
    )
    assert written.status_code == 201 and written.json()["action"] == "inserted"
    record_id = written.json()["record"]["id"]
    assert written.json()["record"]["visibility"] == {"scope": "team", "id": "infra-mem"}

    assert [
        h["record"]["id"]
        for h in infra.post("/v1/memory/search", json={"query": "ledger migration"}).json()
    ] == [record_id]
    assert sales.post("/v1/memory/search", json={"query": "ledger migration"}).json() == []
    assert sales.get(f"/v1/memory/{record_id}").status_code == 404  # forbidden looks absent
    assert (
        "ledger" not in sales.post("/v1/context", json={"query": "ledger migration"}).json()["text"]
    )
    assert sales.delete(f"/v1/memory/{record_id}").status_code == 404
    assert (
        infra.get(f"/v1/memory/{record_id}").json()["text"]
        == "The ledger migration finishes on Friday."
    )


def test_cannot_write_into_another_teams_visibility(client: TestClient) -> None:
    infra = caller(client, "infra-w")
    response = infra.post(
        "/v1/memory",
        json={
            "text": "Planted.",
            "source": _source("1712345679.000100"),
            "visibility": "team:sales",
        },
    )
    assert response.status_code == 403


def test_duplicates_merge_and_context_cites_the_source(client: TestClient) -> None:
    infra = caller(client, "infra-ctx")
    first = infra.post(
        "/v1/memory",
        json={
            "text": "Checkout p99 is 850ms after v2.14.1.",
            "source": _source("1712345680.000100"),
        },
    )
    again = infra.post(
        "/v1/memory",
        json={
            "text": "Checkout p99 is 850ms after v2.14.1.",
            "source": _source("1712345681.000100"),
        },
    )
    assert again.json()["action"] == "merged"
    assert again.json()["record"]["id"] == first.json()["record"]["id"]
    pack = infra.post(
        "/v1/context", json={"query": "checkout latency", "budget_tokens": 120}
    ).json()
    assert "[1]" in pack["text"] and "850ms" in pack["text"]
    assert "https://acme.slack.com/archives/C0INFRA/p1712345680000100" in pack["text"]
    assert pack["tokens"] <= 120


def test_secrets_never_reach_the_memory(client: TestClient) -> None:
    infra = caller(client, "infra-sec")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    response = infra.post(
        "/v1/memory",
        json={
            "text": f"Rotate the CI token {token} today.",
            "source": _source("1712345682.000100"),
        },
    )
    assert token not in response.text
    assert "[REDACTED:github-token]" in response.json()["record"]["text"]
    hits = infra.post("/v1/memory/search", json={"query": "CI token"}).json()
    assert all(token not in h["record"]["text"] for h in hits)


def test_delete_then_gone(client: TestClient) -> None:
    infra = caller(client, "infra-del")
    record_id = infra.post(
        "/v1/memory", json={"text": "Temp fact.", "source": _source("1712345683.000100")}
    ).json()["record"]["id"]
    assert infra.delete(f"/v1/memory/{record_id}").status_code == 204
    assert infra.get(f"/v1/memory/{record_id}").status_code == 404


def test_bad_memory_input_names_the_field(client: TestClient) -> None:
    infra = caller(client, "infra-bad")
    bad_visibility = infra.post(
        "/v1/memory", json={"text": "x", "source": _source("1.2"), "visibility": "galaxy:1"}
    )
    assert bad_visibility.status_code == 422 and "galaxy:1" in bad_visibility.json()["detail"]
    missing = infra.post("/v1/memory", json={"text": "x"})
    assert missing.status_code == 422 and "source" in missing.json()["detail"]
