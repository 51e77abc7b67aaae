"""Cost of a chat completion from its token usage, with the price table as data.

Prices are USD per million tokens (input, output), OpenAI's list prices when this was written;
pass `prices=` to `LLMEngine` to override or extend them. A model not in the table (a local
vLLM or Ollama model) costs 0. A dated name ("gpt-4o-mini-2024-07-18") is priced by the
longest table entry it starts with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["DEFAULT_PRICES", "Price", "cost_usd", "price_for"]


class Price(NamedTuple):
    """USD per million prompt tokens and per million completion tokens."""

    input_per_mtok: float
    output_per_mtok: float


DEFAULT_PRICES: Mapping[str, Price] = {
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4-turbo": Price(10.00, 30.00),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o3": Price(2.00, 8.00),
    "o3-mini": Price(1.10, 4.40),
    "o4-mini": Price(1.10, 4.40),
}


def price_for(model: str, prices: Mapping[str, Price] = DEFAULT_PRICES) -> Price | None:
    """The price of `model`: an exact entry, else the longest entry it starts with, else None."""
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name + "-")]
    return prices[max(matches, key=len)] if matches else None


def cost_usd(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> float:
    """USD for one call; 0.0 for a model the table does not know."""
    price = price_for(model, prices)
    if price is None:
        return 0.0
    return (prompt_tokens * price.input_per_mtok + completion_tokens * price.output_per_mtok) / 1e6
