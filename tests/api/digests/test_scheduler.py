"""The scheduler inside the served app: a due digest is posted once, by the lifespan's ticks.

The real app (create_app + mount_slack) under TestClient, the real APScheduler (ticking every
second), the fake Slack Web API on loopback. Waits are bounded waits on the fake's recorded
calls, never sleeps.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.digests import SqliteDigestStore, Subscription
from api.slack import mount_slack
from tests.api.slack.conftest import slack_settings
from tests.fakes.slack_server import FakeSlackServer

TEAM = "C0TEAM0001"
OTHER = "C0OTHER001"


def test_serve_posts_a_due_digest_once_and_stops_with_the_app(tmp_path: Path) -> None:
    with FakeSlackServer() as slack:
        slack.add_channel(TEAM, "team")
        midnight = int(time.time()) // 86_400 * 86_400
        slack.add_message(TEAM, f"{midnight - 3600}.000100", "Release 4.2 is out.", user="U0A")
        with SqliteDigestStore.in_data_dir(tmp_path) as store:
            store.put(Subscription(channel=TEAM, hour=0))  # due since today's 00:00 UTC
        settings = slack_settings(tmp_path, digest_scheduler=True, digest_interval=1)
        app = create_app(settings)
        mount_slack(app, lambda: app.state.services, settings, api_url=slack.api_url)
        with TestClient(app):
            [post] = slack.wait_for("chat.postMessage")
            assert post.params["channel"] == TEAM
            # A second channel subscribed now is picked up by a later tick; by then the first
            # digest has been looked at again and not reposted.
            slack.add_channel(OTHER, "other")
            slack.add_message(
                OTHER, f"{midnight - 1800}.000200", "Freeze starts Monday.", user="U0B"
            )
            app.state.services.digests.put(Subscription(channel=OTHER, hour=0))
            posts = slack.wait_for("chat.postMessage", count=2)
            assert [p.params["channel"] for p in posts] == [TEAM, OTHER]
    with SqliteDigestStore.in_data_dir(tmp_path) as store:
        saved = store.get(f"{TEAM}:channel")
        assert saved is not None and saved.last_run is not None
        assert saved.last_run.status == "posted"
