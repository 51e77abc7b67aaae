"""The compute pool: worker processes give the same answers and errors as the server would."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.compute import ComputePool
from distiller import Message, OfflineEngine, OversizeInputError, ReaderSpec
from distiller.detect import detect
from distiller.llm import LLMEngine
from tests.api.conftest import caller, make_settings
from tests.fixtures import agent_message

TEXT = agent_message("status_update")


@pytest.fixture(scope="module")
def pool() -> Iterator[ComputePool]:
    compute = ComputePool(1, OfflineEngine(max_input_chars=5_000))
    yield compute
    compute.close()


def test_workers_detect_and_distill_like_the_server(pool: ComputePool) -> None:
    message = Message(text=TEXT, posted_by_app=True)
    spec = ReaderSpec(budget_tokens=60, focus=("deploy",))
    assert asyncio.run(pool.detect(message, 0.5)) == detect(message, threshold=0.5)
    assert asyncio.run(pool.distill(TEXT, spec)) == OfflineEngine().distill(TEXT, spec)


def test_an_error_in_a_worker_is_raised_as_the_server_would(pool: ComputePool) -> None:
    with pytest.raises(OversizeInputError) as caught:
        asyncio.run(pool.distill("word " * 2_000, ReaderSpec()))
    assert caught.value.limit == 5_000  # the real exception, attributes and all


def test_a_dead_worker_costs_no_request_and_is_replaced(pool: ComputePool) -> None:
    dead = pool._workers[0].process
    assert dead.pid is not None
    os.kill(dead.pid, signal.SIGKILL)
    expected = OfflineEngine().distill(TEXT, ReaderSpec())
    for _ in range(100):  # each call lets the loop see the dead worker's pipe close
        assert asyncio.run(pool.distill(TEXT, ReaderSpec())) == expected
        if pool._workers[0].process is not dead:
            break
    assert pool._workers[0].process.is_alive()
    assert asyncio.run(pool.distill(TEXT, ReaderSpec())) == expected


def test_only_the_offline_engine_with_the_same_settings_is_run(pool: ComputePool) -> None:
    assert pool.runs(OfflineEngine(max_input_chars=5_000))
    assert not pool.runs(OfflineEngine())
    llm = LLMEngine(api_key="not-needed", base_url="http://127.0.0.1:9", fallback=None)
    assert not pool.runs(llm)
    with pytest.raises(ValueError, match="at least 1 process"):
        ComputePool(0, OfflineEngine())


def test_routes_answer_the_same_through_the_pool(tmp_path: Path) -> None:
    compute = ComputePool(1, OfflineEngine())
    app = create_app(make_settings(tmp_path))
    requests = [
        ("/v1/distill", {"text": TEXT, "budget_tokens": 80}),
        ("/v1/compose", {"text": TEXT}),
        ("/v1/detect", {"text": TEXT, "posted_by_app": True}),
        ("/v1/detect", {"text": TEXT * 8}),  # long enough to leave the event loop
        ("/v1/distill", {"text": "x" * 300_000}),  # 413: the problem, not a worker error
    ]
    try:
        with TestClient(app) as client:
            who = caller(client, "infra", ("distill",))
            alone = [who.post(url, json=body) for url, body in requests]
            app.state.compute = compute
            pooled = [who.post(url, json=body) for url, body in requests]
    finally:
        compute.close()
    assert [r.status_code for r in alone] == [200, 200, 200, 200, 413]
    assert [(r.status_code, r.json()) for r in pooled] == [(r.status_code, r.json()) for r in alone]
