"""`Services`: everything a request needs, opened once per process (in the app's lifespan).

The distill service, the API key store, the shared memory, the digest store, the embedder, the
rate limiter and the metrics. Tests build one with a temporary data dir and the hashing embedder.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass, field

from audience import PersonaRegistry, SqlitePersonaStore
from distiller import Embedder, HashingEmbedder, MiniLMEmbedder, OfflineEngine
from memory import FaissStore, MemoryStore

from .auth import KeyStore
from .digests import DigestStore, SqliteDigestStore
from .digests.config_file import load_subscriptions
from .metrics import Metrics
from .ratelimit import RateLimiter
from .service import DistillService
from .settings import Settings

__all__ = ["Services"]


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder (not loaded until first use)."""
    return HashingEmbedder() if settings.embedder == "hashing" else MiniLMEmbedder()


def open_digest_store(settings: Settings, personas: Collection[str] | None = None) -> DigestStore:
    """Postgres when DATABASE_URL is set (replicas then post each digest once), else SQLite
    in the data dir; subscriptions from `digests_file` (their personas checked against
    `personas` when given) are saved into it."""
    if settings.database_url is not None:
        from .digests.pg_store import PostgresDigestStore

        store: DigestStore = PostgresDigestStore(settings.database_url.get_secret_value())
    else:
        store = SqliteDigestStore.in_data_dir(settings.data_dir)
    if settings.digests_file:
        try:
            for sub in load_subscriptions(settings.digests_file, personas):
                store.put(sub)
        except BaseException:
            store.close()
            raise
    return store


@dataclass
class Services:
    """The process's long-lived objects; `open()` builds them, `close()` releases them."""

    settings: Settings
    distill: DistillService
    keys: KeyStore
    memory: MemoryStore
    embedder: Embedder
    limiter: RateLimiter
    digests: DigestStore
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def open(
        cls,
        settings: Settings,
        distill: DistillService | None = None,
        metrics: Metrics | None = None,
    ) -> Services:
        """Open the stores under `settings.data_dir` and warm the models."""
        embedder = make_embedder(settings)
        data = settings.data_dir
        registry = PersonaRegistry(SqlitePersonaStore.in_data_dir(data))
        # Each store opened so far is closed if a later one fails (a bad file, a locked
        # index, Postgres down): a failed start leaves no open handle behind.
        with ExitStack() as opened:
            opened.callback(registry.store.close)
            if settings.personas_file:
                registry.load_file(settings.personas_file)
            keys = KeyStore(data / "keys.sqlite3")
            opened.callback(keys.close)
            memory = FaissStore(data / "memory", embedder)
            opened.callback(memory.close)
            digests = open_digest_store(settings, registry.personas())
            opened.pop_all()
        distill = distill or DistillService(settings, registry=registry)
        metrics = metrics or Metrics()
        metrics.watch_engine(distill.engine)
        return cls(
            settings=settings,
            distill=distill,
            keys=keys,
            memory=memory,
            embedder=embedder,
            limiter=RateLimiter(settings.rate_limit_per_minute),
            digests=digests,
            metrics=metrics,
        )

    def warm(self) -> None:
        """Load the tokenizer and the embedding model now rather than on the first request."""
        # The offline engine, never the LLM: warming must not spend tokens or need a network.
        OfflineEngine().distill("Warm up: the deploy failed at 14:05.")
        self.embedder.embed_one("warm up")

    def close(self) -> None:
        self.digests.close()
        self.memory.close()
        self.keys.close()
        if self.distill.registry is not None:
            self.distill.registry.store.close()
