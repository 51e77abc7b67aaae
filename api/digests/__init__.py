"""The daily (or weekly) channel digest: subscriptions, schedule, collection, runs.

    store = SqliteDigestStore.in_data_dir(data_dir)        # or PostgresDigestStore(dsn)
    store.put(Subscription(channel="C0123", timezone="Asia/Tokyo", hour=9))
    runner = DigestRunner(store, client, digest_builder(service, embedder))
    await runner.tick()                                     # what the scheduler runs

Slack is read and written here (api/ is the edge); the digest itself is built by
`distiller.digest`. The package exports its Slack-free part; import the runner, collector and
poster from their modules (`api.digests.runner`, `.collect`, `.post`): they use `api.slack`,
which imports `api.state`, which imports this package.

A digest for one (subscription, window) is posted once across retries, restarts and replicas:
see `store.py` for the ledger and `runner.py` for the run.
"""

from __future__ import annotations

from .errors import (
    ChannelUnreadable,
    CollectError,
    DigestError,
    DigestStoreError,
    SubscriptionError,
)
from .schedule import MAX_CATCH_UP, Window, due_window, last_boundary, next_boundary
from .store import (
    DEFAULT_LEASE_SECONDS,
    Claim,
    DigestStore,
    RunRecord,
    SqliteDigestStore,
    SubscriptionState,
)
from .subscription import CHANNEL_RECIPIENT, WEEKDAYS, Subscription

__all__ = [
    "CHANNEL_RECIPIENT",
    "DEFAULT_LEASE_SECONDS",
    "MAX_CATCH_UP",
    "WEEKDAYS",
    "ChannelUnreadable",
    "Claim",
    "CollectError",
    "DigestError",
    "DigestStore",
    "DigestStoreError",
    "RunRecord",
    "SqliteDigestStore",
    "Subscription",
    "SubscriptionError",
    "SubscriptionState",
    "Window",
    "due_window",
    "last_boundary",
    "next_boundary",
]
