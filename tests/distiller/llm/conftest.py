"""Fixtures of the LLM engine's tests: the loopback OpenAI-compatible server, the real openai
client on it, and an engine whose retry waits are recorded instead of slept."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from distiller.llm import LLMEngine
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures import agent_message

from .support import Sleeps


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def client(server: FakeOpenAIServer) -> Iterator[openai.OpenAI]:
    # Plain http on loopback: skipping the CA bundle (verify=False) saves ~0.15 s per test.
    http = openai.DefaultHttpxClient(verify=False)
    with openai.OpenAI(
        api_key="test-key", base_url=server.base_url, max_retries=0, http_client=http
    ) as real:
        yield real


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def engine(client: openai.OpenAI, sleeps: Sleeps) -> LLMEngine:
    return LLMEngine(client, model="gpt-4o-mini", timeout=5, sleep=sleeps)


@pytest.fixture(scope="module")
def incident() -> str:
    return agent_message("incident_report")
