"""Every string the Slack adapter shows a person or writes to the log, read together here.

User-facing strings say what happened and what to do next; log strings name the channel, the
Slack error and the fix. `{placeholders}` are filled with str.format.
"""

from __future__ import annotations

# Shown in Slack ------------------------------------------------------------------------------

NOT_IN_CHANNEL = (
    ":lock: I can't read {where}, so I can't distill this {what}. "
    "Invite me first: type `/invite @distiller` in the channel, then try again."
)
NOT_IN_CHANNEL_PARTIAL = (
    ":lock: I can't read {where}: this is the message alone, without its thread, and I can't "
    "post it there. Type `/invite @distiller` in the channel to fix that."
)
CANNOT_POST = (
    ":lock: I can't post in {where}. Type `/invite @distiller` in the channel, then press "
    "*Share in thread* again."
)
NOTHING_TO_DISTILL = "There is no text in this message to distill (only files or attachments?)."
DISTILL_FAILED = ":warning: I couldn't distill this message: {reason}"
INTERNAL_ERROR = ":warning: Something went wrong on my side; please try again in a minute."
EXPIRED = "This distillation is no longer stored; run *distill* on the message again."
SHARED = ":white_check_mark: Shared in the thread."

# Block labels.
TLDR_LABEL = "*TL;DR:* {text}"
ASKS_LABEL = "*Asks:*"
ASK_DUE = " _(due {due})_"
SOURCE_LINK = "<{permalink}|source message>"
THREAD_OF = "thread of {count} messages"
PERSONA_LINE = "{why}"
PERSONA_PICKED = "{where}: {persona} (you picked it)"
SHARED_BY = "Distilled for <@{user}> by distiller"
TRIMMED = "_{count} more lines did not fit in one Slack message; open the source for the rest._"
SHARE_BUTTON = "Share in thread"
PERSONA_PLACEHOLDER = "Another persona"
UP_BUTTON = ":thumbsup:"
DOWN_BUTTON = ":thumbsdown:"
VOTED = "You rated this {vote}."
FALLBACK_TEXT = "TL;DR: {tldr}"
AUTO_REPLY = "*TL;DR:* {tldr}"

# /distill ------------------------------------------------------------------------------------

COMMAND_HELP = (
    "*/distill* — settings for this channel:\n"
    "• `/distill persona` — show who summaries here are written for, and why\n"
    "• `/distill persona <name>` — set it (one of: {personas}); `/distill persona clear` to unset\n"
    "• `/distill auto on|off` — distill verbose agent messages here automatically into memory\n"
    "• `/distill auto reply on|off` — in auto mode, also reply in the thread with a TL;DR\n"
    "• `/distill digest daily 9:00` — a digest of this channel here every day (or `weekly mon "
    "9:00`, a time zone like `Asia/Tokyo`, `persona <name>`, `quiet`); `/distill digest dm "
    "daily 8am` sends it to you; `/distill digest` shows it, `/distill digest off` stops it, "
    "`/distill digest preview` shows the last 24 hours to you only\n"
    "Or use the *distill* shortcut on any message (the ⋮ menu)."
)
COMMAND_UNKNOWN = "I don't know `/distill {text}`.\n\n{help}"
PERSONA_SHOW = "Summaries in this channel are written {why}."
PERSONA_SET = "Summaries in <#{channel}> are now written for *{persona}*."
PERSONA_CLEARED = "This channel's persona setting is cleared; {why}."
PERSONA_NOT_SET = "This channel had no persona setting; {why}."
PERSONA_UNKNOWN = "There is no persona `{name}`. Pick one of: {personas}."
AUTO_STATE = "Auto mode is *{auto}* in <#{channel}> (TL;DR replies in threads: *{reply}*). {hint}"
AUTO_HINT_ON = "Verbose agent messages here are distilled into shared memory as they arrive."
AUTO_HINT_OFF = "Turn it on with `/distill auto on`."
AUTO_NEEDS_MEMBER = " Invite me with `/invite @distiller` so that I see the messages."
DIGEST_NONE = (
    "No digest for <#{channel}> yet. `/distill digest daily 9:00` posts one here every day; "
    "`/distill digest dm daily 9:00` sends it to you."
)
DIGEST_HERE = "In this channel"
DIGEST_DM = "To <@{user}> by DM"
DIGEST_CHANNEL_PERSONA = "the channel's persona"
DIGEST_STATUS_LINE = "• {where}: {when}, for {persona}; next {next}."
DIGEST_LAST_OK = " Last: {status} for the window ending {at}."
DIGEST_LAST_FAILED = " :warning: Last attempt failed: {error}"
DIGEST_DISABLED = " (paused)"
DIGEST_SAVED = "Digest saved. {where}: {when}. The next one comes {next}."
DIGEST_OFF = "Digest stopped. Nothing more will be posted for it."
DIGEST_NOT_SUBSCRIBED = "There was no such digest to stop. `/distill digest` lists this channel's."
DIGEST_BAD_WORD = (
    "I did not understand `{word}`. Try `/distill digest daily 9:00`, `/distill digest weekly "
    "mon 17:30 Europe/Paris`, `persona <name>`, `quiet`, `off` or `preview`"
)
DIGEST_USAGE_ERROR = ":warning: {error}."
DIGEST_STORE_DOWN = ":warning: The digest settings could not be read or saved ({error}). Try again."
DIGEST_PREVIEW_FAILED = "The preview could not be built. Try again in a minute."

# Log -----------------------------------------------------------------------------------------

LOG_MOUNTED = "Slack events at {path} (shortcut 'distill', /distill, message events)"
LOG_DISABLED = "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to serve /slack/events"
ALREADY_MOUNTED = (
    "Slack is already mounted on this app; call mount_slack once (in `distill serve`, or in a "
    "test after create_app)"
)
LOG_SOCKET_DISABLED = "Socket Mode needs SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN"
LOG_AUTH_FAILED = (
    "Slack auth.test failed ({error}); check SLACK_BOT_TOKEN. Until it works, the app's own "
    "messages are recognised by app id only"
)
LOG_API_ERROR = "Slack {method} failed in {channel}: {error}"
LOG_RESPOND_FAILED = "posting to response_url failed ({status}): {body}"
LOG_SHORTCUT_FAILED = "shortcut 'distill' failed in {channel} for {user}"
LOG_EVENT_FAILED = "message event {event_id} in {channel} failed"
LOG_DUPLICATE_EVENT = "event {event_id} already handled (a Slack retry); ignored"
LOG_INVALID_BLOCKS = "blocks failed the local Block Kit check ({problems}); sent as text instead"
LOG_FEEDBACK = "feedback {vote} on distillation {id} by {user}"
LOG_MEMORY_FAILED = "could not remember a message from {channel}: {error}"
LOG_BACKGROUND_FAILED = "Slack work after an ack failed"
