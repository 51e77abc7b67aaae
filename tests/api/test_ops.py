"""Readiness, metrics, compose and detect over HTTP."""

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import Caller
from tests.fixtures import agent_message


def test_readyz_reports_models_and_store(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["engine"] == "offline" and body["memory"]["backend"] == "faiss"
    assert body["digests"] == {"subscriptions": 0}


def test_readyz_is_503_when_the_digest_store_is_down(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, embedder="hashing"))
    with TestClient(app) as client:
        app.state.services.digests.close()  # as if its database went away
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "digest store unreachable" in answer.json()["detail"]


def test_metrics_count_requests_and_tokens(infra: Caller) -> None:
    text = agent_message("incident_report")
    assert infra.post("/v1/distill", json={"text": text}).status_code == 200
    metrics = infra.client.get("/metrics").text
    assert 'distiller_requests_total{method="POST",route="/v1/distill",status="200"}' in metrics
    assert "distiller_request_seconds_bucket" in metrics
    tokens_in = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("distiller_tokens_in_total")
    )
    assert tokens_in >= 300
    assert "distiller_tokens_saved_total" in metrics


def test_compose_returns_what_to_post(infra: Caller) -> None:
    body = infra.post(
        "/v1/compose", json={"text": agent_message("status_update"), "persona": "leadership"}
    ).json()
    assert body["persona"] == "leadership"
    assert body["tokens_out"] < body["tokens_in"] / 3
    assert body["post"] == body["distillation"]["tldr"] or body["post"].startswith(
        body["distillation"]["tldr"]
    )
    assert body["facts_summary"].startswith("kept ")


def test_detect_flags_an_agent_message_and_explains(infra: Caller) -> None:
    body = infra.post(
        "/v1/detect", json={"text": agent_message("support_answer"), "posted_by_app": True}
    ).json()
    assert body["verbose_agent"] is True
    assert any("agent phrasing" in r for r in body["reasons"])
    terse = infra.post("/v1/detect", json={"text": "db-3 disk full, expanding now"}).json()
    assert terse["verbose_agent"] is False
