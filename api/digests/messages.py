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
NOT_A_MEMBER_RECIPIENT = (
    "<@{user}> is not a member of the private channel <#{channel}>, so its digest cannot be "
    "sent to them; add them to the channel or remove the subscription"
)
POST_FAILED = "posting the digest failed: {error}; it will be retried"
COLLECT_FAILED = "{error}; it will be retried"
QUIET_TEXT = "No activity in <#{channel}> {window}."
DIGEST_FALLBACK = "Digest of <#{channel}> {window}"

# Collection (what was not read, and why: shown in a digest's Coverage).
BAD_BUDGET = "RequestBudget.{field} must be {rule}, got {value!r}"
BAD_WINDOW = "the window must be two aware datetimes with start < end, got {start} and {end}"
NOT_A_MEMBER = (
    "the bot is not in the channel (or cannot see it). Type `/invite @distiller` in the "
    "channel, then run the digest again"
)
AUTH_FAILED = "Slack refused the bot token (auth.test: {error}); check SLACK_BOT_TOKEN"
HISTORY_FAILED = "conversations.history failed: {error}"
HISTORY_RATE_LIMITED = "Slack kept rate-limiting conversations.history after the client's retries"
UNREACHABLE = "Slack did not answer ({error}); the run is retried later"
WINDOW_CUT = (
    "the window's oldest part, {since} to {until}, was not read: the history budget "
    "({pages} pages of {size} messages) was spent on the newer part; raise "
    "RequestBudget.history_pages to read it"
)
LOOKBACK_CUT = (
    "threads started {since} to {until} whose replies fall in the window were not looked for: "
    "the history budget ({pages} pages of {size} messages) was spent"
)
REPLIES_BUDGET = (
    "the replies budget ({calls} conversations.replies calls) was spent; replies not read: "
    "{replies:,} (what history showed of these threads is kept)"
)
REPLIES_PARTLY = (
    "partly read: the replies budget ({calls} conversations.replies calls) ran out inside "
    "the thread; its later replies were not read"
)
REPLIES_RATE_LIMITED = (
    "Slack kept rate-limiting conversations.replies after the client's retries; replies not "
    "read: {replies:,}"
)
REPLIES_FAILED = "conversations.replies failed ({error}); replies not read: {replies:,}"
OWN_DIGEST_THREADS = "replies to our own digest posts are not digested again (replies: {replies:,})"

# Logs.
LOG_RUN = "digest {key}: {status} ({messages} messages, {threads} threads, {seconds:.1f} s)"
LOG_RUN_FAILED = "digest {key} failed: {error}"
LOG_RETRY = "digest {key}: an earlier attempt failed or stopped; checking for its post first"
LOG_ALREADY_POSTED = "digest {key}: found the earlier attempt's post {ts}; not posting again"
LOG_TICK_FAILED = "digest scheduler: a tick failed: {error}"
LOG_SCHEDULER = "digest scheduler: checking subscriptions every {seconds:.0f} s"
