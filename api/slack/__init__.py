"""The Slack adapter: the "distill" message shortcut, its buttons, `/distill`, message events.

Slack stays here: `slack_bolt`/`slack_sdk` are imported only under `api/`, and the core sees
its own types (`distiller.Message`, `memory.Source`). Mount it on the FastAPI app:

    app = create_app(settings)
    mount_slack(app, lambda: app.state.services, settings)   # POST /slack/events
"""

from .app import build_bolt_app, mount_slack, run_socket_mode
from .blocks import check_blocks, neutralise
from .feedback import export_feedback

__all__ = [
    "build_bolt_app",
    "check_blocks",
    "export_feedback",
    "mount_slack",
    "neutralise",
    "run_socket_mode",
]
