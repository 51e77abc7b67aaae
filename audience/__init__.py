"""audience: who reads a channel. Personas, the ReaderSpec each one asks of the distiller, the
channel → persona registry (TOML file + SQLite/Postgres store), inference for unconfigured
channels, and the precedence that picks the persona of one result.

registry = PersonaRegistry(SqlitePersonaStore.in_data_dir("./data"))
registry.load_file("personas.toml")
chosen = resolve_persona(registry, channel_id="C0123ABCD", channel_name="infra-oncall")
spec = chosen.persona.to_spec()
"""

from .errors import AudienceError, PersonaConfigError, PersonaStoreError, UnknownPersonaError
from .focus import focus_terms
from .inference import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    ChannelProfile,
    Inference,
    PersonaInferrer,
)
from .persona import BUILTIN_PERSONAS, DEFAULT_PERSONA, Persona, get_persona, parse_persona
from .persona_file import PersonaFile, dumps_persona_file, parse_persona_file, read_persona_file
from .pg_store import PostgresPersonaStore
from .registry import PersonaRegistry, SyncReport
from .resolve import Resolution, resolve_persona
from .store import DEFAULT_STORE_FILENAME, PersonaStore, SqlitePersonaStore

__all__ = [
    "BUILTIN_PERSONAS",
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "DEFAULT_PERSONA",
    "DEFAULT_STORE_FILENAME",
    "AudienceError",
    "ChannelProfile",
    "Inference",
    "Persona",
    "PersonaConfigError",
    "PersonaFile",
    "PersonaInferrer",
    "PersonaRegistry",
    "PersonaStore",
    "PersonaStoreError",
    "PostgresPersonaStore",
    "Resolution",
    "SqlitePersonaStore",
    "SyncReport",
    "UnknownPersonaError",
    "dumps_persona_file",
    "focus_terms",
    "get_persona",
    "parse_persona",
    "parse_persona_file",
    "read_persona_file",
    "resolve_persona",
]
