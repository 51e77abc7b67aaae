"""audience: who reads a channel. Personas, and the ReaderSpec each one asks of the distiller."""

from .errors import AudienceError, PersonaConfigError, UnknownPersonaError
from .persona import BUILTIN_PERSONAS, DEFAULT_PERSONA, Persona, get_persona, parse_persona

__all__ = [
    "BUILTIN_PERSONAS",
    "DEFAULT_PERSONA",
    "AudienceError",
    "Persona",
    "PersonaConfigError",
    "UnknownPersonaError",
    "get_persona",
    "parse_persona",
]
