"""distiller: text in, Distillation out. Pure: no Slack, no HTTP, no environment variables.

from distiller import OfflineEngine, ReaderSpec
result = OfflineEngine().distill(text, ReaderSpec(budget_tokens=60))
print(result.render_text())
"""

from .asks import Ask
from .embed import Embedder, HashingEmbedder, MiniLMEmbedder
from .engine import Engine, ReaderSpec, default_budget
from .errors import (
    BinaryInputError,
    DistillerError,
    EmptyInputError,
    InputError,
    ModelUnavailableError,
    OversizeInputError,
    SpecError,
)
from .facts import FactsReport, FactTally, extract_facts, facts_report
from .message import Message
from .mrkdwn import Unit, parse_units, split_sentences, to_plain
from .offline import OfflineEngine
from .redact import Redacted, SecretFinding, contains_secret, redact_secrets
from .result import Distillation, OutputFormat
from .thread import DEFAULT_MAX_INPUT_CHARS, Thread, prepare_thread
from .tokens import count_tokens

__all__ = [
    "DEFAULT_MAX_INPUT_CHARS",
    "Ask",
    "BinaryInputError",
    "Distillation",
    "DistillerError",
    "Embedder",
    "EmptyInputError",
    "Engine",
    "FactTally",
    "FactsReport",
    "HashingEmbedder",
    "InputError",
    "Message",
    "MiniLMEmbedder",
    "ModelUnavailableError",
    "OfflineEngine",
    "OutputFormat",
    "OversizeInputError",
    "ReaderSpec",
    "Redacted",
    "SecretFinding",
    "SpecError",
    "Thread",
    "Unit",
    "contains_secret",
    "count_tokens",
    "default_budget",
    "extract_facts",
    "facts_report",
    "parse_units",
    "prepare_thread",
    "redact_secrets",
    "split_sentences",
    "to_plain",
]
