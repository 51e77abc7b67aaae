"""An app on a temporary data dir (hashing embedder: no model load) and keys to call it with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from api.auth import SCOPES


@dataclass
class Caller:
    """A test client plus the Authorization header of one API key."""

    client: TestClient
    headers: dict[str, str]
    key_id: str

    def post(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(url, headers=self.headers, **kwargs)  # type: ignore[arg-type]

    def get(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.headers, **kwargs)  # type: ignore[arg-type]

    def delete(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.delete(url, headers=self.headers, **kwargs)  # type: ignore[arg-type]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings(data_dir=data_dir, embedder="hashing", **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(tmp_path_factory.mktemp("data"), max_body_bytes=300_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def caller(
    client: TestClient, team: str = "infra", scopes: tuple[str, ...] = SCOPES, **kw: object
) -> Caller:
    """A new key for `team` with `scopes`, ready to call `client`."""
    new = client.app.state.services.keys.create(team, list(scopes), **kw)  # type: ignore[attr-defined]
    return Caller(client, {"authorization": f"Bearer {new.token}"}, new.key.id)


@pytest.fixture(scope="module")
def infra(client: TestClient) -> Caller:
    return caller(client, "infra")
