"""The service picks the LLM engine when configured, and /metrics shows its counters."""

from pathlib import Path

from fastapi.testclient import TestClient

from api import Settings, create_app
from api.service import make_engine
from tests.api.conftest import caller
from tests.fakes.openai_server import FakeOpenAIServer, reply


def test_offline_without_settings(tmp_path: Path) -> None:
    assert make_engine(Settings(data_dir=tmp_path)).name == "offline"


def test_llm_when_a_base_url_is_set(tmp_path: Path) -> None:
    engine = make_engine(
        Settings(data_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1", model="m1")
    )
    assert engine.name == "llm:m1"


def test_unreachable_llm_falls_back_and_metrics_count_it(tmp_path: Path) -> None:
    # Port 9 (discard) refuses connections on loopback: every call fails fast.
    settings = Settings(
        data_dir=tmp_path,
        embedder="hashing",
        openai_base_url="http://127.0.0.1:9/v1",
        llm_timeout=5,
        llm_max_retries=0,
    )
    with TestClient(create_app(settings)) as client:
        who = caller(client)
        body = who.post(
            "/v1/distill", json={"text": "Hi all! The deploy of v2.1 failed at 14:05 UTC. Thanks!"}
        ).json()
        assert body["engine"] == "offline"
        assert any(note.startswith("llm fallback") for note in body["notes"])
        metrics = client.get("/metrics").text
        assert "distiller_engine_fallbacks_total{reason=" in metrics
        assert "distiller_llm_calls_total" in metrics


def test_llm_result_through_the_api(tmp_path: Path) -> None:
    text = "Hi all! I hope you are well. The deploy of v2.1 failed at 14:05 UTC. Thanks so much!"
    with FakeOpenAIServer() as llm:
        llm.queue(reply({"tldr": "Deploy of v2.1 failed at 14:05 UTC.", "bullets": [], "asks": []}))
        settings = Settings(
            data_dir=tmp_path, embedder="hashing", openai_base_url=llm.base_url, openai_api_key="k"
        )
        with TestClient(create_app(settings)) as client:
            body = caller(client).post("/v1/distill", json={"text": text}).json()
            metrics = client.get("/metrics").text
    assert body["engine"] == "llm:gpt-4o-mini"
    assert body["tldr"] == "Deploy of v2.1 failed at 14:05 UTC."
    assert "distiller_llm_calls_total 1.0" in metrics
