"""`DistillService`: the one object the CLI, the HTTP app and (later) Slack call to distill.

It owns the engine and the persona table, built once per process, and turns a request's
persona name, budget and focus into a ReaderSpec.
"""

from __future__ import annotations

from collections.abc import Sequence

from audience import (
    BUILTIN_PERSONAS,
    DEFAULT_PERSONA,
    Persona,
    PersonaRegistry,
    Resolution,
    get_persona,
    resolve_persona,
)
from distiller import Distillation, Engine, OfflineEngine, ReaderSpec
from distiller.result import OutputFormat
from distiller.thread import Source

from .settings import Settings

__all__ = ["DistillService", "make_engine"]


def make_engine(settings: Settings) -> Engine:
    """The LLM engine (with its offline fallback) when a key or base URL is set; else offline."""
    offline = OfflineEngine(max_input_chars=settings.max_input_chars)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key and not settings.openai_base_url:
        return offline
    from distiller.llm import LLMEngine

    return LLMEngine(
        # Local servers (Ollama, vLLM) take any key; the SDK insists on one.
        api_key=key or "not-needed",
        base_url=settings.openai_base_url,
        model=settings.model,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        fallback=offline,
        max_input_chars=settings.max_input_chars,
    )


class DistillService:
    """Distill with the configured engine for a named persona, a channel's, or a plain budget."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        registry: PersonaRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.registry = registry

    @property
    def personas(self) -> dict[str, Persona]:
        """Every persona a request may name: built-ins and custom ones."""
        return self.registry.personas() if self.registry else dict(BUILTIN_PERSONAS)

    def resolve(self, name: str | None, channel_id: str | None = None) -> Resolution | None:
        """Which persona applies, and why; None for a neutral reader (no persona, no channel).

        Precedence: the named persona, the channel's setting, the configured default
        (`engineer` for a channel with no setting). UnknownPersonaError if a name is unknown.
        """
        registry = self.registry
        if registry is None:
            chosen = name or self.settings.default_persona
            if not chosen:
                return None
            return Resolution(get_persona(chosen), "explicit", f"{chosen} (requested)")
        if not name and not channel_id and not self.settings.default_persona:
            return None
        return resolve_persona(
            registry,
            channel_id=channel_id,
            explicit=name,
            default=self.settings.default_persona or DEFAULT_PERSONA,
        )

    def persona(self, name: str | None) -> Persona | None:
        """The named persona, the configured default, or None; UnknownPersonaError if unknown."""
        resolution = self.resolve(name)
        return resolution.persona if resolution else None

    def spec(
        self,
        persona: str | None = None,
        budget_tokens: int | None = None,
        focus: Sequence[str] = (),
        output_format: OutputFormat | None = None,
        channel_id: str | None = None,
    ) -> ReaderSpec:
        """The ReaderSpec for a request; with no persona, a neutral spec sized by the input."""
        resolution = self.resolve(persona, channel_id)
        if resolution is None:
            spec = ReaderSpec(budget_tokens=budget_tokens, focus=tuple(focus))
        else:
            spec = resolution.persona.to_spec(focus=tuple(focus), budget_tokens=budget_tokens)
        return spec.model_copy(update={"format": output_format}) if output_format else spec

    def distill(
        self,
        source: Source,
        persona: str | None = None,
        budget_tokens: int | None = None,
        focus: Sequence[str] = (),
        output_format: OutputFormat | None = None,
        channel_id: str | None = None,
    ) -> Distillation:
        """Distill `source` for the reader described by the other arguments."""
        spec = self.spec(persona, budget_tokens, focus, output_format, channel_id)
        return self.engine.distill(source, spec)
