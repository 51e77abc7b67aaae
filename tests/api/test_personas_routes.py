"""Channel personas over HTTP: set with an admin key, used by distill and compose."""

from fastapi.testclient import TestClient

from tests.api.conftest import caller
from tests.fixtures import agent_message


def test_set_and_use_a_channel_persona(client: TestClient) -> None:
    admin, user = (
        caller(client, "infra", ("admin", "distill")),
        caller(client, "infra", ("distill",)),
    )
    default = user.get("/v1/channels/C0EXEC01/persona").json()
    assert default["persona"] == "engineer" and default["source"] == "default"

    assert (
        user.client.put(
            "/v1/channels/C0EXEC01/persona", json={"persona": "leadership"}, headers=user.headers
        ).status_code
        == 403
    )
    updated = admin.client.put(
        "/v1/channels/C0EXEC01/persona", json={"persona": "leadership"}, headers=admin.headers
    )
    assert updated.status_code == 200
    assert updated.json()["explanation"] == "for C0EXEC01: leadership (channel setting)"

    text = agent_message("incident_report")
    body = user.post("/v1/distill", json={"text": text, "channel_id": "C0EXEC01"}).json()
    assert body["persona"] == "leadership" and body["budget_tokens"] == 45
    explicit = user.post(
        "/v1/distill", json={"text": text, "channel_id": "C0EXEC01", "persona": "agent"}
    )
    assert explicit.json()["persona"] == "agent"  # an explicit persona wins
    composed = user.post("/v1/compose", json={"text": text, "channel_id": "C0EXEC01"}).json()
    assert composed["persona"] == "leadership"


def test_unknown_persona_and_bad_channel_are_refused(client: TestClient) -> None:
    admin = caller(client, "infra", ("admin",))
    unknown = admin.client.put(
        "/v1/channels/C0X1/persona", json={"persona": "ceo"}, headers=admin.headers
    )
    assert unknown.status_code == 422 and "valid personas" in unknown.json()["detail"]
    bad = admin.client.put(
        "/v1/channels/not a channel/persona", json={"persona": "agent"}, headers=admin.headers
    )
    assert bad.status_code == 422
