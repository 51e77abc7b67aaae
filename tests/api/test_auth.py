"""Auth and scope matrix, revoked keys, and the per-key rate limit."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.auth import AuthError, KeyStore
from api.ratelimit import RateLimiter
from tests.api.conftest import caller, make_settings

SOURCE = {"channel_id": "C1", "ts": "1712345678.000100"}
ROUTES = [
    ("post", "/v1/distill", {"text": "The deploy failed at 14:05 UTC."}, "distill"),
    ("post", "/v1/detect", {"text": "Great question! I hope this helps."}, "distill"),
    ("post", "/v1/compose", {"text": "Hi all! The deploy failed at 14:05 UTC."}, "distill"),
    ("post", "/v1/memory", {"text": "The ETA is Friday.", "source": SOURCE}, "memory:write"),
    ("post", "/v1/memory/search", {"query": "ETA"}, "memory:read"),
    ("post", "/v1/context", {"query": "ETA"}, "memory:read"),
    ("get", "/v1/personas", None, None),
]


@pytest.mark.parametrize(("method", "url", "body", "scope"), ROUTES)
def test_missing_and_bad_keys_are_401(
    client: TestClient, method: str, url: str, body: object, scope: str
) -> None:
    for headers in (
        {},
        {"authorization": "Bearer nope"},
        {"authorization": "Bearer sd_00000000_forged"},
    ):
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("granted", ["distill", "memory:read", "memory:write", "admin"])
@pytest.mark.parametrize(("method", "url", "body", "scope"), ROUTES)
def test_scope_matrix(
    client: TestClient, granted: str, method: str, url: str, body: object, scope: str
) -> None:
    who = caller(client, "infra", (granted,))
    response = client.request(method, url, json=body, headers=who.headers)
    if scope is None or scope == granted:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert f"lacks the '{scope}' scope" in response.json()["detail"]


def test_x_api_key_header_works_too(client: TestClient) -> None:
    who = caller(client, "infra", ("distill",))
    token = who.headers["authorization"].removeprefix("Bearer ")
    assert (
        client.post("/v1/detect", json={"text": "hi"}, headers={"x-api-key": token}).status_code
        == 200
    )


def test_revoked_key_is_refused(client: TestClient) -> None:
    who = caller(client, "infra", ("distill",))
    assert who.post("/v1/detect", json={"text": "hi"}).status_code == 200
    client.app.state.services.keys.revoke(who.key_id)  # type: ignore[attr-defined]
    response = who.post("/v1/detect", json={"text": "hi"})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_keys_are_stored_hashed(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite3")
    new = store.create("infra", ["distill"])
    store.close()
    secret = new.token.split("_", 2)[2]
    assert secret.encode() not in (tmp_path / "keys.sqlite3").read_bytes()
    assert KeyStore(tmp_path / "keys.sqlite3").verify(new.token).team == "infra"


def test_a_key_revoked_in_this_process_is_refused_at_once(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite3", cache_ttl=3600)
    new = store.create("infra", ["distill"])
    assert store.verify(new.token).id == new.key.id  # now cached for an hour
    store.revoke(new.key.id)
    with pytest.raises(AuthError, match="revoked"):
        store.verify(new.token)


def test_a_key_revoked_by_another_process_is_refused_within_the_ttl(tmp_path: Path) -> None:
    now = [0.0]
    server = KeyStore(tmp_path / "keys.sqlite3", cache_ttl=5.0, clock=lambda: now[0])
    new = server.create("infra", ["distill"])
    server.verify(new.token)
    cli = KeyStore(tmp_path / "keys.sqlite3")  # its own connection, as `distill keys revoke`
    assert cli.revoke(new.key.id)
    now[0] = 4.9
    assert server.verify(new.token).id == new.key.id  # the documented window
    now[0] = 5.0
    with pytest.raises(AuthError, match="revoked"):
        server.verify(new.token)


def test_the_cache_still_checks_the_secret(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite3", cache_ttl=3600)
    new = store.create("infra", ["distill"])
    store.verify(new.token)
    forged = new.token[: new.token.rindex("_") + 1] + "not-the-secret"
    with pytest.raises(AuthError, match="unknown API key"):
        store.verify(forged)
    assert store.verify(new.token).team == "infra"


def test_a_key_created_by_another_process_works_at_once(tmp_path: Path) -> None:
    server = KeyStore(tmp_path / "keys.sqlite3", cache_ttl=3600)
    server.verify(server.create("ops", ["distill"]).token)  # the cache is in use
    new = KeyStore(tmp_path / "keys.sqlite3").create("infra", ["distill"])
    assert server.verify(new.token).team == "infra"


def test_unknown_scope_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown scope.*memory:delete.*choose from"):
        KeyStore(tmp_path / "k.sqlite3").create("infra", ["memory:delete"])


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_per_minute=6)
    with TestClient(create_app(settings)) as client:
        who = caller(client, "infra", ("distill",))
        other = caller(client, "infra", ("distill",))
        statuses = [who.post("/v1/detect", json={"text": "hi"}).status_code for _ in range(3)]
        assert statuses == [200, 429, 429]  # burst of 1 (6/min // 6), then refused
        limited = who.post("/v1/detect", json={"text": "hi"})
        assert int(limited.headers["retry-after"]) in range(1, 11)
        assert "6 requests per minute" in limited.json()["detail"]
        assert other.post("/v1/detect", json={"text": "hi"}).status_code == 200  # per key


def test_rate_limiter_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, burst=2, clock=lambda: now[0])
    assert [limiter.acquire("k") for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.acquire("k") == pytest.approx(1.0)
    now[0] = 1.0
    assert limiter.acquire("k") == 0.0
