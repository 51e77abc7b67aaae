"""Every user-facing and log string of the digest pipeline, read together in one place."""

from __future__ import annotations

# Subscription validation.
BAD_CHANNEL = (
    "'{value}' is not a Slack channel id: use the id (e.g. C0123ABC, from the channel's "
    "'About' tab), not its name"
)
BAD_RECIPIENT = "recipient must be 'channel' or a Slack user id (e.g. U0123ABC), not '{value}'"
BAD_TIMEZONE = "unknown time zone '{value}': use an IANA name such as 'Europe/Paris' or 'UTC'"
DM_CHANNEL = "a direct-message conversation cannot have a channel digest; subscribe a channel"
UNKNOWN_PERSONA = "unknown persona '{name}'; known personas: {personas}"

# Store.
SQLITE_FAILED = "the digest store ({path}) failed: {error}"
PG_UNAVAILABLE = "the digest store (Postgres) is unreachable: {error}. Check DATABASE_URL."
PG_FAILED = "the digest store (Postgres) failed: {error}"
STORE_CLOSED = "the digest store is closed"

# Runs (stored as the run's error, shown by `/distill digest` and GET /v1/digests).
NOT_IN_CHANNEL = (
    "I cannot read <#{channel}>: invite me with `/invite @distiller` in the channel, then the "
    "next digest will come on time"
)
POST_FAILED = "posting the digest failed: {error}; it will be retried"
COLLECT_FAILED = "{error}; it will be retried"
QUIET_TEXT = "No activity in <#{channel}> {window}."
DIGEST_FALLBACK = "Digest of <#{channel}> {window}"

# Logs.
LOG_RUN = "digest {key}: {status} ({messages} messages, {threads} threads, {seconds:.1f} s)"
LOG_RUN_FAILED = "digest {key} failed: {error}"
LOG_TAKEOVER = "digest {key}: taking over a run that stopped (lease expired); checking for a post"
LOG_ALREADY_POSTED = "digest {key}: found the earlier attempt's post {ts}; not posting again"
LOG_TICK_FAILED = "digest scheduler: a tick failed: {error}"
LOG_SCHEDULER = "digest scheduler: checking subscriptions every {seconds:.0f} s"
