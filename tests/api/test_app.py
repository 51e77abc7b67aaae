import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api import create_app
from tests.api.conftest import Caller, make_settings
from tests.fixtures import agent_message

PROBLEM = "application/problem+json"


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_distill_text_for_a_persona(infra: Caller) -> None:
    response = infra.post(
        "/v1/distill", json={"text": agent_message("incident_report"), "persona": "leadership"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["persona"] == "leadership"
    assert body["tokens_out"] <= body["budget_tokens"] == 45
    assert body["summary"] and body["mrkdwn"] and body["facts_summary"].startswith("kept ")
    assert "$45,000" in body["summary"]


def test_distill_messages(infra: Caller) -> None:
    messages = [
        {"user": "ana", "text": "The nightly backup failed at 02:10 UTC: disk full on db-3."},
        {"user": "bo", "text": "@ana please expand the volume to 2 TB by noon."},
    ]
    body = infra.post("/v1/distill", json={"messages": messages, "budget_tokens": 60}).json()
    assert "ana: " in body["summary"]
    assert body["asks"][0]["owner"] == "@ana"


def test_personas_are_listed(infra: Caller) -> None:
    names = [p["name"] for p in infra.get("/v1/personas").json()]
    assert {"oncall-engineer", "leadership", "newcomer", "agent"} <= set(names)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"text": "x", "persona": "ceo"}, 422, "valid personas: agent"),
        ({"text": "   "}, 400, "the text is empty"),
        ({"text": "a\x00b"}, 400, "not UTF-8 text"),
        ({"text": "x", "messages": [{"text": "y"}]}, 422, "exactly one of 'text' or 'messages'"),
        ({"text": "x", "budget_tokens": 3}, 422, "budget_tokens"),
        ({"text": 42}, 422, "text"),
        ({"text": "x", "colour": "red"}, 422, "colour"),
        ({"messages": [{"user": "a"}]}, 422, "messages.0.text"),
        ({"text": "y" * 250_000}, 413, "above the limit of 200,000"),
    ],
)
def test_errors_are_problem_json_with_a_useful_detail(
    infra: Caller, body: dict[str, object], status: int, detail: str
) -> None:
    response = infra.post("/v1/distill", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status and detail in problem["detail"]
    assert "Traceback" not in response.text


def test_malformed_json_body(infra: Caller) -> None:
    headers = {**infra.headers, "content-type": "application/json"}
    response = infra.client.post("/v1/distill", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_body_over_the_limit_is_413_by_header_and_by_stream(client: TestClient) -> None:
    big = json.dumps({"text": "z" * 400_000}).encode()
    response = client.post("/v1/distill", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "300,000 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    streamed = client.post(
        "/v1/distill", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_over_a_real_socket(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        for _ in range(500):  # bounded wait for startup, observed through server.started
            if server.started:
                break
            threading.Event().wait(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        token = app.state.services.keys.create("infra", ["distill"]).token
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/distill",
            headers={"authorization": f"Bearer {token}"},
            json={"text": agent_message("support_answer"), "budget_tokens": 80},
            timeout=30,
        )
        assert response.status_code == 200
        assert "ERR_SSO_STATE_MISMATCH" in response.json()["tldr"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
