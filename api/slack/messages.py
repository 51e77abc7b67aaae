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
    "• `/distill digest subscribe` — a daily digest of this channel\n"
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
DIGEST_SOON = (
    "Channel digests are coming soon; nothing is subscribed yet. Meanwhile, use the "
    "*distill* shortcut on any long message."
)

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
