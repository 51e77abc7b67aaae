"""One chat completion, bounded in time: retries with backoff on 429/5xx/connection errors,
Retry-After honoured, and `openai.*` errors translated into this package's errors.

The openai client's own retries are switched off (`max_retries=0` on a copy of the client):
they would wait up to 10 minutes per attempt and 2 minutes per Retry-After, while here every
attempt and every wait must fit in what is left of the engine's deadline.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openai

from . import config, messages
from .errors import (
    LLMConnectionError,
    LLMRateLimitError,
    LLMRejectedError,
    LLMRequestError,
    LLMServerError,
    LLMTimeoutError,
    SchemaUnsupportedError,
)

__all__ = ["ChatCaller", "Completion", "retry_after_seconds"]

logger = logging.getLogger("distiller.llm")

# A 400 naming one of these is about structured output, not about the request as a whole.
_SCHEMA_HINTS = ("response_format", "json_schema", "structured output", "schema")


@dataclass(frozen=True)
class Completion:
    """What came back: the first choice's text (None when absent) and the usage."""

    content: str | None
    finish_reason: str | None
    refusal: str | None
    choices: int
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float


def retry_after_seconds(headers: Any, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asks to wait: `retry-after-ms`, `retry-after` in seconds or a date."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - now())
    return None


def _detail(exc: openai.APIError) -> str:
    # The server's own words ("Incorrect API key provided") say more than the client's
    # "Error code: 401 - {...}" wrapper around them.
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message or exc.message).split())[:300]


def _is_schema_rejection(exc: openai.BadRequestError) -> bool:
    text = f"{exc.param or ''} {exc.message}".lower()
    return any(hint in text for hint in _SCHEMA_HINTS)


class ChatCaller:
    """Sends chat completions for one model, each within a deadline, retrying what can be.

    `sleep` and `clock` (monotonic seconds) are injectable so that tests need not wait;
    `on_retry` is called before each re-sent request (the engine counts them).
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        timeout: float = config.DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = config.DEFAULT_MAX_RETRIES,
        temperature: float | None = config.DEFAULT_TEMPERATURE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[], None] | None = None,
    ) -> None:
        self._client = client.with_options(max_retries=0)
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def complete(
        self,
        chat: Sequence[dict[str, str]],
        *,
        deadline: float,
        response_format: dict[str, Any] | None = None,
        max_completion_tokens: int | None = None,
    ) -> Completion:
        """One completion before `deadline` (a `clock()` time), retrying 429/5xx/connection errors.

        Raises an `LLMRequestError` subclass; `SchemaUnsupportedError` when the server refuses
        `response_format` (the caller switches to plain JSON and asks again).
        """
        attempt = 0
        while True:
            left = deadline - self._clock()
            if left <= 0:
                raise LLMTimeoutError(messages.TIMEOUT.format(seconds=self.timeout))
            try:
                return self._send(chat, left, response_format, max_completion_tokens)
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                error: LLMRequestError = self._status_error(exc, attempt + 1)
                cause: openai.APIError = exc
                wait = retry_after_seconds(exc.response.headers)
            except openai.APITimeoutError as exc:
                raise LLMTimeoutError(messages.TIMEOUT.format(seconds=self.timeout)) from exc
            except openai.APIConnectionError as exc:
                error = LLMConnectionError(
                    messages.CONNECTION.format(base_url=self.base_url, detail=_detail(exc))
                )
                cause, wait = exc, None
            except openai.BadRequestError as exc:
                if response_format is not None and _is_schema_rejection(exc):
                    detail = _detail(exc)
                    raise SchemaUnsupportedError(
                        messages.SCHEMA_UNSUPPORTED.format(detail=detail)
                    ) from exc
                raise self._rejected(exc) from exc
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    raise self._rejected(exc) from exc
                error, cause = self._status_error(exc, attempt + 1), exc
                wait = retry_after_seconds(exc.response.headers)
            except openai.OpenAIError as exc:
                kind = type(exc).__name__
                raise LLMRequestError(
                    messages.UNEXPECTED.format(kind=kind, detail=str(exc)[:300])
                ) from exc
            if attempt >= self.max_retries:
                raise error from cause
            if wait is None:
                wait = self._backoff(attempt)
            left = deadline - self._clock()
            if wait >= left:
                if isinstance(error, LLMRateLimitError):
                    raise LLMRateLimitError(
                        messages.RETRY_AFTER_TOO_LONG.format(wait=wait, left=max(left, 0))
                    ) from cause
                raise error from cause
            logger.info(messages.LOG_RETRY, error, attempt + 1, wait)
            self._sleep(wait)
            attempt += 1
            if self._on_retry is not None:
                self._on_retry()

    def _send(
        self,
        chat: Sequence[dict[str, str]],
        timeout: float,
        response_format: dict[str, Any] | None,
        max_completion_tokens: int | None,
    ) -> Completion:
        options: dict[str, Any] = {}
        if response_format is not None:
            options["response_format"] = response_format
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if max_completion_tokens is not None:
            options["max_completion_tokens"] = max_completion_tokens
        started = self._clock()
        response = self._client.chat.completions.create(
            model=self.model,
            messages=list(chat),  # type: ignore[arg-type]
            timeout=timeout,
            **options,
        )
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return Completion(
            content=choice.message.content if choice else None,
            finish_reason=choice.finish_reason if choice else None,
            refusal=getattr(choice.message, "refusal", None) if choice else None,
            choices=len(response.choices or []),
            model=response.model or self.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=self._clock() - started,
        )

    @staticmethod
    def _backoff(attempt: int) -> float:
        base = min(config.BACKOFF_INITIAL_SECONDS * 2**attempt, config.BACKOFF_MAX_SECONDS)
        # Jitter spreads the retries of many replicas hit by the same outage.
        return base * (1 - 0.25 * random.random())

    @staticmethod
    def _status_error(exc: openai.APIStatusError, attempts: int) -> LLMRequestError:
        error: LLMRequestError
        if exc.status_code == 429:
            error = LLMRateLimitError(messages.RATE_LIMITED.format(attempts=attempts))
        else:
            error = LLMServerError(
                messages.SERVER_ERROR.format(status=exc.status_code, attempts=attempts)
            )
        return error

    @staticmethod
    def _rejected(exc: openai.APIStatusError) -> LLMRejectedError:
        detail = _detail(exc)
        return LLMRejectedError(messages.REJECTED.format(status=exc.status_code, detail=detail))
