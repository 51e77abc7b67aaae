"""Settings, read once: constructor argument → environment variable → DEFAULT_* constant.

The only place in the project that reads the environment. Slack and OpenAI stay off until their
settings are present; the embedded default needs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from distiller import DEFAULT_MAX_INPUT_CHARS

from .digests.budget import DEFAULT_HISTORY_PAGES, DEFAULT_REPLIES_CALLS

__all__ = [
    "DEFAULT_DIGEST_INTERVAL",
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_PORT",
    "DEFAULT_RATE_LIMIT",
    "Settings",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DATA_DIR = Path("./data")
# A request body a bit above the text limit, so that the text limit is what users hit first
# (with its clear message) and the body limit only stops abuse.
DEFAULT_MAX_BODY_BYTES = 4 * DEFAULT_MAX_INPUT_CHARS + 64_000
DEFAULT_RATE_LIMIT = 600  # requests per minute per API key
# How often the digest scheduler looks for due digests: deliveries land within this of their
# minute, and an idle check is one small SQL query.
DEFAULT_DIGEST_INTERVAL = 60.0


class Settings(BaseSettings):
    """Every knob of the service. Env vars are DISTILLER_<NAME>, or the vendor's usual name."""

    model_config = SettingsConfigDict(env_prefix="DISTILLER_", extra="ignore")

    host: str = DEFAULT_HOST
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    data_dir: Path = DEFAULT_DATA_DIR
    max_input_chars: int = Field(default=DEFAULT_MAX_INPUT_CHARS, ge=1_000)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1_000)
    default_persona: str | None = Field(default=None, description="persona when none is given")
    personas_file: Path | None = Field(
        default=None, description="TOML with [channels] and [personas.<name>], loaded at start"
    )
    embedder: Literal["minilm", "hashing"] = Field(
        default="minilm", description="minilm (all-MiniLM-L6-v2) or hashing (no model, low memory)"
    )
    rate_limit_per_minute: int = Field(default=DEFAULT_RATE_LIMIT, ge=1)
    digests_file: Path | None = Field(
        default=None, description="TOML with [[digest]] subscriptions, loaded at start"
    )
    digest_scheduler: bool = Field(
        default=True, description="post due digests from `distill serve` (needs Slack)"
    )
    digest_interval: float = Field(
        default=DEFAULT_DIGEST_INTERVAL, ge=1, description="seconds between digest checks"
    )
    digest_history_pages: int = Field(
        default=DEFAULT_HISTORY_PAGES, ge=1, le=1_000, description="history pages per digest run"
    )
    digest_replies_calls: int = Field(
        default=DEFAULT_REPLIES_CALLS,
        ge=0,
        le=20_000,
        description="conversations.replies calls (threads read) per digest run",
    )
    detect_threshold: float | None = Field(default=None, ge=0, le=1)

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "DISTILLER_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "DISTILLER_OPENAI_BASE_URL"),
        description="any OpenAI-compatible server: OpenAI, Azure, vLLM, Ollama, llama.cpp",
    )
    model: str = Field(
        default="gpt-4o-mini", validation_alias=AliasChoices("DISTILLER_MODEL", "model")
    )
    llm_timeout: float = Field(default=15.0, gt=0, description="seconds per distillation, total")
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "DISTILLER_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "DISTILLER_SLACK_SIGNING_SECRET"),
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "DISTILLER_SLACK_APP_TOKEN"),
        description="app-level token (xapp-...) for Socket Mode (distill serve --socket-mode)",
    )
    slack_api_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_API_URL", "DISTILLER_SLACK_API_URL"),
        description="Slack Web API base URL; default https://slack.com/api/",
    )
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DISTILLER_DATABASE_URL")
    )
