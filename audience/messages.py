"""Every user-facing error and explanation string of the audience package, read together."""

from __future__ import annotations

# Persona definitions (persona.py, persona_file.py)
BAD_NAME = "use 2-40 lower-case letters, digits and dashes, starting with a letter"
UNKNOWN_FIELD = "unknown field; persona fields are: {fields}"
NAME_MISMATCH = (
    "{value!r} differs from the table name {table!r}; remove the name field or make them equal"
)
BUILTIN_REMOVE = "{name!r} is a built-in persona and cannot be removed; define a custom one"
PERSONA_IN_USE = "persona {name!r} is still used by {users}; point them at another persona first"

# Persona files (persona_file.py)
FILE_MISSING = (
    "persona file {path} does not exist: create it (see README, Personas) "
    "or unset the setting that points to it"
)
FILE_UNREADABLE = "persona file {path} cannot be read: {error}"
FILE_BAD_TOML = "{path}: not valid TOML: {error}; fix the syntax there"
FILE_UNKNOWN_TABLE = (
    "{path}: unknown key or table [{key}]; a persona file has [channels] and [personas.<name>]"
)
FILE_NOT_TABLE = "{path}: [{table}] must be a table, e.g. [{table}] then key = value lines"
FILE_CHANNEL_VALUE = (
    "{path}: [channels] {key}: expected a persona name in quotes, got {kind}; "
    'write {key} = "engineer"'
)
FILE_UNKNOWN_PERSONA = (
    "{path}: [channels] {key} = {name!r}: unknown persona; valid personas: {valid}; "
    "use one of them or define it under [personas.{name}]"
)
FILE_FIELD = "{path}: [personas.{table}] field {field!r}: {problem}"

# Ids (registry.py)
BAD_CHANNEL_ID = (
    "{value!r} is not a channel id: use Slack's id (like C0123ABCD), not the channel name"
)
BAD_USER_ID = "{value!r} is not a user id: use Slack's id (like U0123ABCD)"

# Stores (store.py, pg_store.py)
SQLITE_FAILED = "the persona store at {path} failed: {error}; check the data dir is writable"
PG_UNAVAILABLE = (
    "cannot reach the Postgres persona store: {error}; check DATABASE_URL and that the server is up"
)
PG_FAILED = "Postgres refused a persona store operation: {error}"
STORE_CLOSED = "the persona store is closed; open a new one"
STORED_PERSONA_INVALID = (
    "stored persona {name!r} no longer validates ({error}); redefine it with PUT or the file"
)

# File sync report (registry.py)
SYNC_KEPT_RUNTIME = (
    "{what}: kept the run-time setting {current!r} (set by {source}); the file says {wanted!r}; "
    "clear the run-time setting for the file to apply"
)
SYNC_KEPT_RUNTIME_PERSONA = (
    "persona {name!r}: kept the run-time definition (set by {source}) over the file's; "
    "remove it at run time for the file to apply"
)
SYNC_KEPT_IN_USE = "persona {name!r}: removed from the file but still used by {users}; kept"

# Inference and resolution (inference.py, resolve.py)
FALLBACK = (
    "low confidence {confidence:.2f} < {threshold:.2f} (best guess {guess}): default {default}"
)
