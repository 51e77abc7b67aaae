"""`Persona`: who reads a channel, and the built-in personas.

A persona is data (validated, never executed or templated) and turns into the distiller's
`ReaderSpec` with `to_spec()`. Persona text may later reach an LLM prompt, so role markers and
template braces are refused at validation time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from distiller import ReaderSpec
from distiller.result import OutputFormat

from . import messages
from .errors import PersonaConfigError, UnknownPersonaError

__all__ = [
    "BUILTIN_PERSONAS",
    "DEFAULT_PERSONA",
    "Persona",
    "get_persona",
    "parse_persona",
    "validation_problem",
]

DEFAULT_PERSONA = "engineer"
_NAME_RE = r"^[a-z][a-z0-9-]{1,39}$"
# Text that could steer a model or a template: "system:", "<|im_start|>", "{{ }}", "{% %}".
_INJECTION_RE = re.compile(
    r"(?im)^\s*(?:system|assistant|user|developer)\s*:|<\|[a-z_]+\|>|\{\{|\}\}|\{%|%\}"
)


class Persona(BaseModel):
    """A reader profile: what they care about, what they skip, and the shape they want."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME_RE, description="lower-case, digits and dashes")
    description: str = Field(max_length=400)
    audience: str = Field(default="", max_length=200, description="who reads")
    priorities: tuple[str, ...] = Field(
        default=(), max_length=30, description="what they care about"
    )
    avoid: tuple[str, ...] = Field(default=(), max_length=30, description="what they do not need")
    vocabulary: Literal["expert", "general"] = "expert"
    tone: str = Field(default="neutral", max_length=60)
    format: OutputFormat = "bullets"
    budget_tokens: int = Field(default=80, ge=8, le=2000)
    max_bullets: int = Field(default=4, ge=0, le=20)
    glossary: dict[str, str] = Field(default_factory=dict, max_length=200)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(?:-[A-Z]{2})?$")
    keep_identifiers: bool = False

    @field_validator("description", "audience", "tone", "priorities", "avoid", "glossary")
    @classmethod
    def _is_data(cls, value: object) -> object:
        texts = (
            [*value.keys(), *value.values()]
            if isinstance(value, Mapping)
            else list(value)
            if isinstance(value, tuple)
            else [value]
        )
        for text in texts:
            if isinstance(text, str) and _INJECTION_RE.search(text):
                raise ValueError(
                    "persona text is data: remove role markers like 'system:' and template braces"
                )
        return value

    def to_spec(
        self, *, focus: tuple[str, ...] = (), budget_tokens: int | None = None
    ) -> ReaderSpec:
        """The distiller's ReaderSpec for this persona; an explicit focus replaces priorities."""
        return ReaderSpec(
            budget_tokens=budget_tokens or self.budget_tokens,
            format=self.format,
            focus=focus or self.priorities,
            avoid=self.avoid,
            vocabulary=self.vocabulary,
            glossary=self.glossary,
            max_bullets=self.max_bullets,
            keep_identifiers=self.keep_identifiers,
            persona=self.name,
        )


# Terms engineers use without thinking; the newcomer persona expands them on first use.
_GLOSSARY = {
    "SLO": "service level objective",
    "SLA": "service level agreement",
    "p99": "99th-percentile latency",
    "p95": "95th-percentile latency",
    "RCA": "root cause analysis",
    "postmortem": "written review of an incident",
    "rollback": "return to the previous version",
    "rolled back": "returned to the previous version",
    "on-call": "engineer responsible for alerts right now",
    "runbook": "step-by-step guide for operators",
    "PR": "pull request",
    "CI": "automated build and test pipeline",
    "k8s": "Kubernetes",
    "ETA": "expected time of arrival",
    "EOD": "end of day",
    "migration": "database schema change",
    "feature flag": "switch that turns a feature on or off without a deploy",
    "canary": "small first rollout to a few servers",
}

BUILTIN_PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in (
        Persona(
            name="oncall-engineer",
            description="Engineers on call for production: alerts, incidents, outages, paging.",
            audience="the engineer holding the pager",
            priorities=(
                "failed",
                "error",
                "down",
                "outage",
                "latency",
                "rollback",
                "incident",
                "alert",
                "runbook",
                "pods",
                "deploy",
                "root cause",
                "mitigate",
            ),
            avoid=("thanks", "celebrate", "roadmap"),
            tone="terse",
            format="bullets",
            budget_tokens=70,
            max_bullets=2,
            keep_identifiers=True,
        ),
        Persona(
            name="engineer",
            description="Software engineers building and running the systems discussed.",
            audience="engineers on the team",
            priorities=("fix", "bug", "deploy", "design", "migration", "test", "review", "error"),
            budget_tokens=90,
            max_bullets=4,
        ),
        Persona(
            name="leadership",
            description="Executives and managers: impact, decisions, risk, dates, cost.",
            audience="directors and executives",
            priorities=(
                "impact",
                "customers",
                "revenue",
                "decision",
                "risk",
                "cost",
                "date",
                "deadline",
                "launch",
                "approved",
                "blocked",
            ),
            avoid=(
                "pods",
                "migration",
                "commit",
                "stack trace",
                "config",
                "index",
                "query",
                "p99",
                "latency",
                "code",
            ),
            tone="plain",
            format="brief",
            budget_tokens=45,
            max_bullets=1,
        ),
        Persona(
            name="product",
            description="Product managers: user impact, scope, timelines, feedback, decisions.",
            audience="product managers",
            priorities=(
                "users",
                "customers",
                "feature",
                "launch",
                "scope",
                "feedback",
                "date",
                "decision",
                "metric",
                "adoption",
            ),
            avoid=("pods", "stack trace", "commit"),
            budget_tokens=70,
            max_bullets=3,
        ),
        Persona(
            name="gtm",
            description="Sales, support and marketing: customer impact, what to tell customers.",
            audience="go-to-market teams",
            priorities=(
                "customers",
                "customer",
                "impact",
                "accounts",
                "outage",
                "status page",
                "launch",
                "pricing",
                "revenue",
                "communicate",
            ),
            avoid=("pods", "migration", "commit", "latency", "config", "index"),
            tone="plain",
            format="bullets",
            budget_tokens=60,
            max_bullets=3,
        ),
        Persona(
            name="newcomer",
            description="New hires and people outside the team: context and plain words.",
            audience="new team members",
            priorities=("what", "why", "impact", "owner", "next steps"),
            vocabulary="general",
            tone="friendly",
            budget_tokens=110,
            max_bullets=4,
            glossary=_GLOSSARY,
        ),
        Persona(
            name="agent",
            description="Other software agents: dense, structured, every identifier and link kept.",
            audience="LLM agents reading programmatically",
            priorities=("error", "failed", "decision", "owner", "deadline", "link", "id"),
            tone="dense",
            budget_tokens=160,
            max_bullets=8,
            keep_identifiers=True,
        ),
    )
}


def get_persona(name: str, custom: Mapping[str, Persona] | None = None) -> Persona:
    """The persona called `name` among `custom` then the built-ins; UnknownPersonaError if none."""
    table = {**BUILTIN_PERSONAS, **(custom or {})}
    try:
        return table[name]
    except KeyError:
        raise UnknownPersonaError(name, table) from None


def parse_persona(data: Mapping[str, object]) -> Persona:
    """Validate a persona definition (from TOML or the API); PersonaConfigError names the field."""
    try:
        return Persona.model_validate(dict(data))
    except ValidationError as exc:
        field, problem = validation_problem(exc)
        raise PersonaConfigError(f"persona field {field!r}: {problem}") from exc


def validation_problem(exc: ValidationError) -> tuple[str, str]:
    """The first failing field of a Persona validation and what to do about it, in words."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "persona"
    if first["type"] == "extra_forbidden":
        return field, messages.UNKNOWN_FIELD.format(fields=", ".join(Persona.model_fields))
    if field == "name" and first["type"] == "string_pattern_mismatch":
        return field, f"{first['input']!r}: {messages.BAD_NAME}"
    return field, str(first["msg"])
