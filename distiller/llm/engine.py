"""`LLMEngine`: abstractive distillation by any OpenAI-compatible model, never less true than
the offline engine.

Per distillation: cache → circuit breaker → offline pass (must-keep facts and asks for the
prompt, and the fallback) → chat completion (structured output where the server has it) →
guard → at most one repair request → result. Any failure on the way ends in the offline
result with a note saying why; only the base class's `InputError` reaches the caller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import openai

from ..engine import Engine, ReaderSpec
from ..offline import OfflineEngine
from ..result import Distillation
from ..thread import DEFAULT_MAX_INPUT_CHARS, Source, Thread
from . import config, messages
from .breaker import CircuitBreaker
from .cache import DistillationCache, cache_key
from .chat import ChatCaller, Completion
from .errors import (
    CircuitOpenError,
    GuardRejectedError,
    LLMConfigError,
    LLMError,
    LLMRequestError,
    LLMResponseError,
    SchemaUnsupportedError,
)
from .guard import SourceFacts, check_output
from .parse import parse_draft
from .pricing import DEFAULT_PRICES, Price, cost_usd
from .prompt import RESPONSE_FORMAT, Prompt, build_prompt, repair_request, source_text
from .shape import shape_draft
from .stats import CallUsage, LLMStats, StatsRecorder

__all__ = ["LLMEngine"]

logger = logging.getLogger("distiller.llm")

# The base class stamps `self.name` on every result; a fallback result must say "offline".
# `_distill` records here which engine really answered, and `distill` puts it back. A context
# variable keeps concurrent calls on one engine (threads, tasks) apart.
_answered_by: ContextVar[str | None] = ContextVar("distiller_llm_answered_by", default=None)


class LLMEngine(Engine):
    """Distills with a chat model; checks each answer against the source; falls back offline.

    Pass a ready `openai.OpenAI` client, or `api_key` (and `base_url` for vLLM, Ollama, Azure
    ...) to have one built. Nothing is read from the environment: api/ does that.
    """

    name = "llm"
    needs_network = True

    def __init__(
        self,
        client: openai.OpenAI | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = config.DEFAULT_MODEL,
        timeout: float = config.DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = config.DEFAULT_MAX_RETRIES,
        temperature: float | None = config.DEFAULT_TEMPERATURE,
        max_completion_tokens: int | None = None,
        structured_output: bool = True,
        fallback: Engine | None = None,
        cache_size: int = config.DEFAULT_CACHE_SIZE,
        breaker_failures: int = config.DEFAULT_BREAKER_FAILURES,
        breaker_reset_seconds: float = config.DEFAULT_BREAKER_RESET_SECONDS,
        prices: Mapping[str, Price] = DEFAULT_PRICES,
        on_usage: Callable[[CallUsage], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_input_chars: int = DEFAULT_MAX_INPUT_CHARS,
    ) -> None:
        super().__init__(max_input_chars=max_input_chars)
        if not model or not model.strip():
            raise LLMConfigError(messages.NO_MODEL)
        if not timeout or timeout <= 0:
            raise LLMConfigError(messages.BAD_TIMEOUT.format(value=timeout))
        if max_retries < 0:
            raise LLMConfigError(messages.BAD_RETRIES.format(value=max_retries))
        self._owns_client = client is None
        if client is None:
            if not api_key:
                raise LLMConfigError(messages.NO_API_KEY)
            # max_retries=0: ChatCaller retries within the deadline (see chat.py).
            client = openai.OpenAI(
                api_key=api_key,
                base_url=base_url or config.DEFAULT_BASE_URL,
                timeout=timeout,
                max_retries=0,
            )
        elif api_key is not None or base_url is not None:
            raise LLMConfigError(messages.CLIENT_AND_SETTINGS)
        self.client = client
        self.model = model
        # Instances differ by model, so the name the base stamps on results is per instance.
        self.name = f"llm:{model}"  # type: ignore[misc]
        self.timeout = timeout
        self.max_completion_tokens = max_completion_tokens
        self.fallback = fallback if fallback is not None else OfflineEngine()
        self.cache = DistillationCache(cache_size)
        self.breaker = CircuitBreaker(breaker_failures, breaker_reset_seconds, clock=clock)
        self.prices = prices
        # None: not known yet; True: the server took json_schema; False: it refused it.
        self.structured_output: bool | None = None if structured_output else False
        self._stats = StatsRecorder()
        self._on_usage = on_usage
        self._clock = clock
        self._caller = ChatCaller(
            client,
            model,
            timeout=timeout,
            max_retries=max_retries,
            temperature=temperature,
            sleep=sleep,
            clock=clock,
            on_retry=lambda: self._stats.add(retries=1),
        )

    @property
    def stats(self) -> LLMStats:
        """A consistent copy of the counters since this engine was built (for /metrics)."""
        return self._stats.snapshot()

    def close(self) -> None:
        """Close the HTTP client if this engine built it; a client passed in stays open."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> LLMEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def distill(self, source: Source, spec: ReaderSpec | None = None) -> Distillation:
        """Distill like every engine; the result's `engine` says who answered ('offline' on a
        fallback, with the reason in `notes`). Raises only the base class's `InputError`.
        """
        token = _answered_by.set(None)
        try:
            result = super().distill(source, spec)
            answered_by = _answered_by.get()
        finally:
            _answered_by.reset(token)
        return result if answered_by is None else result.model_copy(update={"engine": answered_by})

    def _distill(self, thread: Thread, spec: ReaderSpec, budget: int) -> Distillation:
        key = cache_key(thread, spec, self.model, budget)
        cached = self.cache.get(key)
        if cached is not None:
            self._stats.add(cache_hits=1)
            return cached.model_copy(deep=True)
        # The thread is already validated and redacted: run the fallback's pipeline directly.
        offline = self.fallback._distill(thread, spec, budget)
        if not self.breaker.allow():
            failures = self.breaker.failure_threshold
            wait = self.breaker.retry_in()
            reason = messages.CIRCUIT_OPEN.format(seconds=wait, failures=failures)
            return self._fall_back(offline, CircuitOpenError(reason))
        try:
            result = self._ask(thread, spec, budget, offline)
        except LLMRequestError as exc:
            self.breaker.record_failure()
            return self._fall_back(offline, exc)
        except LLMError as exc:
            # The server answered; the answer was unusable. That is no reason to stop asking.
            self.breaker.record_success()
            return self._fall_back(offline, exc)
        except Exception as exc:
            # A bug here must not cost the reader their summary; it is logged in full.
            logger.exception(messages.LOG_UNEXPECTED, self.name)
            self.breaker.record_failure()
            detail = messages.UNEXPECTED.format(kind=type(exc).__name__, detail=exc)
            return self._fall_back(offline, LLMError(detail))
        self.breaker.record_success()
        self.cache.put(key, result)
        self._stats.add(distillations=1)
        return result.model_copy(deep=True)

    def _ask(
        self, thread: Thread, spec: ReaderSpec, budget: int, offline: Distillation
    ) -> Distillation:
        deadline = self._clock() + self.timeout
        prompt = build_prompt(thread, spec, budget, offline)
        # The reader's glossary is trusted config: an expansion the prompt asked for ("p99 (the
        # slowest 1% of requests)") is not an invention, so it counts as source for the guard.
        facts = SourceFacts("\n".join([source_text(thread), *spec.glossary.values()]))
        chat: list[dict[str, str]] = prompt.messages()
        completion = self._complete(chat, deadline, budget)
        try:
            return self._accept(completion, thread, spec, budget, facts, prompt)
        except GuardRejectedError as exc:
            problems = [str(finding) for finding in exc.findings]
        except LLMResponseError as exc:
            problems = [str(exc)]
        if completion.content:
            chat.append({"role": "assistant", "content": completion.content})
        chat.append({"role": "user", "content": repair_request(problems, budget)})
        self._stats.add(repairs=1)
        completion = self._complete(chat, deadline, budget)
        result = self._accept(completion, thread, spec, budget, facts, prompt)
        note = messages.REPAIRED.format(problems="; ".join(problems))
        return result.model_copy(update={"notes": [*result.notes, note]})

    def _complete(self, chat: list[dict[str, str]], deadline: float, budget: int) -> Completion:
        limit = self.max_completion_tokens or (
            config.COMPLETION_TOKENS_PER_BUDGET_TOKEN * budget + config.COMPLETION_TOKENS_OVERHEAD
        )
        call: dict[str, Any] = {"deadline": deadline, "max_completion_tokens": limit}
        if self.structured_output is False:
            completion = self._caller.complete(chat, **call)
        else:
            try:
                completion = self._caller.complete(chat, response_format=RESPONSE_FORMAT, **call)
                self.structured_output = True
            except SchemaUnsupportedError:
                # Remembered for this engine: every later call goes straight to plain JSON.
                logger.info(messages.LOG_SCHEMA_OFF, self._caller.base_url)
                self.structured_output = False
                completion = self._caller.complete(chat, **call)
        self._account(completion)
        return completion

    def _account(self, completion: Completion) -> None:
        cost = cost_usd(
            completion.model, completion.prompt_tokens, completion.completion_tokens, self.prices
        )
        usage = CallUsage(
            model=completion.model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            cost_usd=cost,
            seconds=completion.seconds,
        )
        self._stats.usage(usage)
        logger.debug(
            messages.LOG_CALL,
            usage.model,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cost_usd,
            usage.seconds,
        )
        if self._on_usage is not None:
            self._on_usage(usage)

    def _accept(
        self,
        completion: Completion,
        thread: Thread,
        spec: ReaderSpec,
        budget: int,
        facts: SourceFacts,
        prompt: Prompt,
    ) -> Distillation:
        """The completion as a Distillation if it is usable and passes the guard, else raise."""
        if not completion.choices:
            raise LLMResponseError(messages.NO_CHOICES)
        if completion.refusal:
            raise LLMResponseError(messages.REFUSED.format(detail=completion.refusal[:200]))
        if completion.finish_reason == "length":
            raise LLMResponseError(messages.CUT_OFF)
        if not completion.content or not completion.content.strip():
            raise LLMResponseError(messages.EMPTY_REPLY)
        result = shape_draft(parse_draft(completion.content), thread, spec, budget)
        findings = check_output(facts, result, budget_tokens=budget, system_prompt=prompt.rules)
        if findings:
            self._stats.add(guard_rejections=1)
            listed = "; ".join(str(f) for f in findings)
            raise GuardRejectedError(messages.GUARD_REJECTED.format(findings=listed), findings)
        return result

    def _fall_back(self, offline: Distillation, error: LLMError) -> Distillation:
        self._stats.fallback(error.reason)
        logger.warning(messages.LOG_FALLBACK, self.name, self.fallback.name, error)
        _answered_by.set(self.fallback.name)
        note = messages.FALLBACK.format(reason=error)
        return offline.model_copy(update={"notes": [*offline.notes, note]})
