"""/v1/digests over HTTP: subscriptions saved in the store the scheduler reads, their schedule and
last run, field-naming 422s, the scope matrix, and a 503 (not a traceback) when the store fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.digests import Subscription, Window, next_boundary
from tests.api.conftest import Caller, caller, make_settings

WEEKLY = {"cadence": "weekly", "weekday": "fri", "hour": 17, "minute": 30, "timezone": "Asia/Tokyo"}


def put(who: Caller, url: str, body: Any) -> httpx.Response:
    return who.client.put(url, json=body, headers=who.headers)


@pytest.fixture(scope="module")
def admin(client: TestClient) -> Caller:
    return caller(client, "infra", ("admin", "distill"))


@pytest.fixture(scope="module")
def reader(client: TestClient) -> Caller:
    return caller(client, "infra", ("distill",))


def test_create_get_list_replace_delete(client: TestClient, admin: Caller, reader: Caller) -> None:
    created = put(admin, "/v1/digests/C0LIFE01/channel", {**WEEKLY, "persona": "leadership"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "C0LIFE01:channel"
    assert body["weekday"] == 4 and body["persona"] == "leadership"
    assert body["created_by"] == f"api:{admin.key_id}"
    assert body["description"] == "weekly on Fri at 17:30 Asia/Tokyo"
    assert body["watermark"] is None and body["last_run"] is None
    # The next Friday 17:30 in Tokyo, as UTC.
    expected = next_boundary(
        Subscription(channel="C0LIFE01", **{**WEEKLY, "weekday": 4}), datetime.now(UTC)
    )
    assert datetime.fromisoformat(body["next_delivery"]) == expected

    got = reader.get("/v1/digests/C0LIFE01/channel")
    assert got.status_code == 200 and got.json() == body
    put(admin, "/v1/digests/C0OTHER01/channel", {})
    assert [s["id"] for s in reader.get("/v1/digests", params={"channel": "C0LIFE01"}).json()] == [
        "C0LIFE01:channel"
    ]
    assert {"C0LIFE01:channel", "C0OTHER01:channel"} <= {
        s["id"] for s in reader.get("/v1/digests").json()
    }

    # A digest was delivered: the ledger records it and moves the watermark.
    store = client.app.state.services.digests  # type: ignore[attr-defined]
    end = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    window = Window(start=end - timedelta(days=7), end=end)
    claim = store.claim("C0LIFE01:channel", window, "test-replica")
    assert claim is not None
    store.finish(claim, "posted", post_channel="C0LIFE01", post_ts="1764232200.000100")
    delivered = reader.get("/v1/digests/C0LIFE01/channel").json()
    assert datetime.fromisoformat(delivered["watermark"]) == end
    run = delivered["last_run"]
    assert run["status"] == "posted" and run["attempts"] == 1 and run["error"] is None
    assert (run["post_channel"], run["post_ts"]) == ("C0LIFE01", "1764232200.000100")
    assert datetime.fromisoformat(run["window_start"]) == window.start
    assert datetime.fromisoformat(run["window_end"]) == end

    # Replacing changes the schedule and keeps the watermark: no gap, no repeat.
    replaced = put(admin, "/v1/digests/C0LIFE01/channel", {"hour": 8, "enabled": False})
    assert replaced.status_code == 200, replaced.text
    after = replaced.json()
    assert (after["cadence"], after["hour"], after["persona"], after["enabled"]) == (
        "daily",
        8,
        None,
        False,
    )
    assert after["watermark"] == delivered["watermark"] and after["last_run"] == run
    assert after["next_delivery"] is None  # disabled: nothing is scheduled

    assert admin.delete("/v1/digests/C0LIFE01/channel").status_code == 204
    missing = reader.get("/v1/digests/C0LIFE01/channel")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "PUT /v1/digests/C0LIFE01/channel" in missing.json()["detail"]
    assert admin.delete("/v1/digests/C0LIFE01/channel").status_code == 404
    assert reader.get("/v1/digests", params={"channel": "C0LIFE01"}).json() == []


def test_a_dm_subscription_is_its_own_entry(admin: Caller, reader: Caller) -> None:
    put(admin, "/v1/digests/C0DMS01/channel", {})
    dm = put(admin, "/v1/digests/C0DMS01/U0ALICE1", {"persona": "agent", "hour": 7})
    assert dm.status_code == 201, dm.text
    assert dm.json()["id"] == "C0DMS01:U0ALICE1" and dm.json()["recipient"] == "U0ALICE1"
    listed = reader.get("/v1/digests", params={"channel": "C0DMS01"}).json()
    assert [(s["recipient"], s["hour"]) for s in listed] == [("U0ALICE1", 7), ("channel", 9)]
    assert admin.delete("/v1/digests/C0DMS01/U0ALICE1").status_code == 204
    assert reader.get("/v1/digests/C0DMS01/channel").status_code == 200  # the channel's stays


def test_an_empty_body_gets_the_subscription_defaults(client: TestClient, admin: Caller) -> None:
    assert put(admin, "/v1/digests/C0DEFAULT1/channel", {}).status_code == 201
    saved = client.app.state.services.digests.get("C0DEFAULT1:channel")  # type: ignore[attr-defined]
    assert saved.subscription == Subscription(
        channel="C0DEFAULT1", created_by=f"api:{admin.key_id}"
    )


def test_a_subscription_saved_over_http_is_the_one_the_scheduler_reads(
    client: TestClient, admin: Caller
) -> None:
    put(
        admin,
        "/v1/digests/C0SCHED01/U0BOB001",
        {**WEEKLY, "weekday": 0, "quiet": "post", "max_topics": 3},
    )
    state = client.app.state.services.digests.get("C0SCHED01:U0BOB001")  # type: ignore[attr-defined]
    assert state is not None
    assert state.subscription == Subscription(
        channel="C0SCHED01",
        recipient="U0BOB001",
        cadence="weekly",
        weekday=0,
        hour=17,
        minute=30,
        timezone="Asia/Tokyo",
        quiet="post",
        max_topics=3,
        created_by=f"api:{admin.key_id}",
    )


def _refusal(response: httpx.Response) -> tuple[str, list[str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    return body["detail"], [e["field"] for e in body.get("errors", [])]


@pytest.mark.parametrize(
    ("url", "body", "field", "says"),
    [
        ("/v1/digests/C0BAD01/channel", {"timezone": "Mars/Olympus"}, "timezone", "IANA name"),
        ("/v1/digests/C0BAD01/channel", {"hour": 25}, "hour", "less than or equal to 23"),
        ("/v1/digests/C0BAD01/channel", {"weekday": "funday"}, "weekday", "mon, tue"),
        ("/v1/digests/C0BAD01/channel", {"weekday": 7}, "weekday", "(or 0-6)"),
        ("/v1/digests/C0BAD01/channel", {"cadence": "hourly"}, "cadence", "'daily' or 'weekly'"),
        ("/v1/digests/C0BAD01/channel", {"hour": "9"}, "hour", "valid integer"),
        ("/v1/digests/C0BAD01/channel", {"colour": "red"}, "colour", "Extra inputs"),
        ("/v1/digests/general/channel", {}, "channel", "not a Slack channel id: use the id"),
        ("/v1/digests/C0BAD01/alice", {}, "recipient", "a Slack user id"),
        ("/v1/digests/D0DM0001/channel", {}, "body", "cannot have a channel digest"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    admin: Caller, url: str, body: dict[str, Any], field: str, says: str
) -> None:
    detail, fields = _refusal(put(admin, url, body))
    assert fields == [field]
    assert detail.startswith(f"{field}: ") and says in detail
    assert "Value error" not in detail


def test_an_unknown_persona_lists_the_known_ones(client: TestClient, admin: Caller) -> None:
    response = put(admin, "/v1/digests/C0BAD01/channel", {"persona": "ceo"})
    assert response.status_code == 422
    body = response.json()
    known = sorted(client.app.state.services.distill.personas)  # type: ignore[attr-defined]
    assert body["valid"] == known and "leadership" in known
    assert "unknown persona 'ceo'" in body["detail"] and ", ".join(known) in body["detail"]
    assert admin.get("/v1/digests/C0BAD01/channel").status_code == 404  # nothing was saved


def test_reads_refuse_a_channel_name_instead_of_an_empty_answer(reader: Caller) -> None:
    detail, _ = _refusal(reader.get("/v1/digests", params={"channel": "#general"}))
    assert "use the id" in detail
    detail, _ = _refusal(reader.get("/v1/digests/general/channel"))
    assert detail.startswith("channel: ")
    # A misspelt filter is refused, not answered with every subscription.
    detail, fields = _refusal(reader.get("/v1/digests", params={"chanel": "C0LIFE01"}))
    assert fields == ["chanel"] and "Extra inputs" in detail


def test_scopes_reads_need_distill_writes_need_admin(client: TestClient, admin: Caller) -> None:
    put(admin, "/v1/digests/C0SCOPE01/channel", {})
    url = "/v1/digests/C0SCOPE01/channel"
    for method in ("get", "put", "delete"):
        anonymous = client.request(method, url, json={} if method == "put" else None)
        assert anonymous.status_code == 401, method
    assert client.get("/v1/digests").status_code == 401

    reader = caller(client, "infra", ("distill",))
    assert reader.get(url).status_code == 200 and reader.get("/v1/digests").status_code == 200
    refused = put(reader, url, {"hour": 3})
    assert refused.status_code == 403 and "'admin' scope" in refused.json()["detail"]
    assert reader.delete(url).status_code == 403

    memory_only = caller(client, "infra", ("memory:read",))
    assert memory_only.get(url).status_code == 403
    assert reader.get(url).json()["hour"] == 9  # the refused writes changed nothing


def test_a_failing_store_answers_503_with_retry(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        admin = caller(client, "infra", ("admin", "distill"))
        client.app.state.services.digests.close()  # type: ignore[attr-defined]
        for response in (
            admin.get("/v1/digests"),
            admin.get("/v1/digests/C0DOWN01/channel"),
            put(admin, "/v1/digests/C0DOWN01/channel", {}),
            admin.delete("/v1/digests/C0DOWN01/channel"),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "5"
            detail = response.json()["detail"]
            assert detail.startswith("the digest store is unavailable: ") and detail.endswith(
                "; retry"
            )
            assert "Traceback" not in response.text
