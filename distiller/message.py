"""The core's own message type. Slack payloads are translated into it at the edge (api/)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Message"]


class Message(BaseModel):
    """One chat message as the distiller sees it.

    `text` is Slack mrkdwn (plain text is valid mrkdwn). The posting-app fields are filled by the
    Slack adapter from `bot_id`/`app_id`/`subtype`/`bot_profile`/`metadata` when present; a
    message pasted by a person from an agent has none of them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    user: str | None = Field(default=None, description="author: a Slack user id or a display name")
    ts: str | None = Field(default=None, description="Slack timestamp, e.g. '1712345678.000100'")
    posted_by_app: bool = Field(default=False, description="bot_id/app_id/bot_message present")
    app_name: str | None = Field(default=None, description="bot_profile.name when present")
    metadata_event: str | None = Field(default=None, description="metadata.event_type if any")
