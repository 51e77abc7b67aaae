"""Detection scores pinned to the values the detector gave when they were recorded.

Speed work on `distiller/detect` must not move a score: every message below keeps its agent
logit (to 1e-12), its rounded scores and its token count. A change that is *meant* to move
scores (new features, a refitted model) regenerates the table and says so in its commit:

    PYTHONPATH=. python tests/distiller/test_detect_scores.py > /tmp/pinned.py
"""

from __future__ import annotations

import math

import pytest

from distiller.detect import detect, detect_many
from distiller.detect.detection import agent_logits
from distiller.message import Message
from tests.distiller import test_detect as cases
from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message


def _messages() -> dict[str, Message]:
    """Named inputs: every message of the detection tests, the shared fixtures, odd input."""
    texts = {
        **{f"agent: {name}": text for name, text in cases.AGENT_MESSAGES.items()},
        **{f"human: {name}": text for name, text in cases.HUMAN_MESSAGES.items()},
        **{f"fixture: {name}": agent_message(name) for name in AGENT_MESSAGE_NAMES},
        "empty": "",
        "emoji only": ":tada: :tada: 🎉🔥",
        "punctuation only": "!!! ??? ...",
        "entities": "<@U012345> <#C012345|general> <https://example.com|link> <!here>",
        "unterminated code": "```unterminated code block\nx = 1\n",
        "stars and underscores": "*" * 500 + "_" * 500,
        "curly apostrophes and abbreviations": (
            "It’s fine, isn’t it? I’m O’Neil’s friend. See e.g. the runbook, i.e. the wiki. "
            "Mr. Smith vs. Dr. Who, etc. ALL CAPS and camelCase and snake_case and a/b paths."
        ),
        "tabs and double spaces": (
            "Hi  team,\tthe  deploy\u00a0is done.  Thanks!\n\n\n  - one\n  - two"
        ),
        "long mixed": "\n\n".join(
            [cases.STATUS_UPDATE, cases.CODE_ONLY, cases.HUMAN_PROPOSAL, cases.PR_REVIEW] * 3
        ),
        "huge, truncated": (cases.SUPPORT_ANSWER + "\n\n") * 40,
    }
    messages = {name: Message(text=text) for name, text in texts.items()}
    messages["app: support answer"] = Message(
        text=cases.SUPPORT_ANSWER, posted_by_app=True, app_name="Claude", metadata_event="answer"
    )
    return messages


MESSAGES = _messages()

# name: (agent logit, agent_score, verbosity_score, tokens, verbose_agent)
# Recorded with the detector as of commit 2f42b31, before the speed work.
PINNED: dict[str, tuple[float, float, float, int, bool]] = {
    "agent: status update, headers and emoji bullets": (13.91877088985377, 1.0, 0.9953, 201, True),
    "agent: support answer with pleasantries": (8.217411157396388, 0.9997, 0.9961, 168, True),
    "agent: PR review summary": (5.920902427277214, 0.9973, 0.9193, 174, True),
    "agent: answer pasted from an assistant": (9.732948636420485, 0.9999, 0.9062, 109, True),
    "agent: incident overview with closing offer": (7.823979508810664, 0.9996, 0.9953, 145, True),
    "human: terse: deploy done": (-2.2, 0.0998, 0.0008, 2, False),
    "human: terse: lgtm, merging": (-2.2, 0.0998, 0.0079, 5, False),
    "human: terse: can someone look at <#C0123ABCD|ops>? api-gw 5xx spiking again": (
        -2.849248185290262,
        0.0547,
        0.017,
        23,
        False,
    ),
    "human: terse: ok thanks!": (-2.9000000000000004, 0.0522, 0.0022, 3, False),
    "human: terse: who owns the billing cron? it failed at 03:00 again": (
        -2.7144500512487855,
        0.0621,
        0.0007,
        14,
        False,
    ),
    "human: terse: rolled back to v2.3.1, will dig in tomorrow": (
        -2.514741281117054,
        0.0748,
        0.0,
        14,
        False,
    ),
    "human: terse: <@U02ABCDEF> can you take this one? I'm out until Monday": (
        -3.8237107869857434,
        0.0214,
        0.0006,
        18,
        False,
    ),
    "human: incident timeline, long but dense": (-3.9283378147518473, 0.0193, 0.0111, 222, False),
    "human: code only": (-2.2, 0.0998, 0.0, 47, False),
    "human: changelog": (-1.5000000000000002, 0.1824, 0.0214, 160, False),
    "human: informal explanation": (-3.616197683588167, 0.0262, 0.8487, 113, False),
    "human: design proposal": (-3.1533787237732014, 0.041, 0.9626, 140, False),
    "human: formal reminder": (1.1517215335281186, 0.7598, 0.5464, 77, False),
    "human: German": (-2.2, 0.0998, 0.1969, 74, False),
    "human: Japanese": (-2.2, 0.0998, 0.9329, 99, False),
    "human: Spanish": (-2.2, 0.0998, 0.8583, 71, False),
    "fixture: incident_report": (4.1400879887100235, 0.9843, 0.9572, 346, True),
    "fixture: pr_review": (4.393991909785074, 0.9878, 0.9948, 289, True),
    "fixture: release_note": (4.294916905053402, 0.9865, 0.9916, 310, True),
    "fixture: status_update": (5.998607295063892, 0.9975, 0.988, 296, True),
    "fixture: support_answer": (3.3936792928174273, 0.9675, 0.9947, 239, True),
    "empty": (-2.2, 0.0998, 0.0, 0, False),
    "emoji only": (-1.8000000000000003, 0.1419, 0.08, 13, False),
    "punctuation only": (-2.2, 0.0998, 0.0022, 3, False),
    "entities": (-2.5163603863465496, 0.0747, 0.0016, 25, False),
    "unterminated code": (-2.2, 0.0998, 0.0, 11, False),
    "stars and underscores": (-2.2, 0.0998, 0.1833, 19, False),
    "curly apostrophes and abbreviations": (4.775355262094758, 0.9916, 0.0055, 55, False),
    "tabs and double spaces": (-2.0277483376893333, 0.1163, 0.2238, 21, False),
    "long mixed": (11.542065088423858, 1.0, 1.0, 1689, True),
    "huge, truncated": (12.944350258815167, 1.0, 1.0, 6720, True),
    "app: support answer": (11.71741115739639, 1.0, 0.9961, 168, True),
}


def _observed() -> dict[str, tuple[float, float, float, int, bool]]:
    names = list(MESSAGES)
    logits = agent_logits(MESSAGES.values())
    detections = detect_many(MESSAGES.values())
    return {
        name: (float(logit), d.agent_score, d.verbosity_score, d.tokens, d.verbose_agent)
        for name, logit, d in zip(names, logits, detections, strict=True)
    }


def test_every_input_is_pinned() -> None:
    assert set(PINNED) == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_scores_are_unchanged(name: str) -> None:
    logit, agent, verbosity, tokens, flagged = PINNED[name]
    d = detect(MESSAGES[name])
    assert (d.agent_score, d.verbosity_score, d.tokens, d.verbose_agent) == (
        agent,
        verbosity,
        tokens,
        flagged,
    )
    (observed,) = agent_logits([MESSAGES[name]])
    assert math.isclose(observed, logit, rel_tol=0.0, abs_tol=1e-12), (observed, logit)


def test_batch_scores_are_unchanged() -> None:
    for name, (logit, *rest) in _observed().items():
        assert tuple(rest) == PINNED[name][1:], name
        assert math.isclose(logit, PINNED[name][0], rel_tol=0.0, abs_tol=1e-12), name


if __name__ == "__main__":
    print("PINNED: dict[str, tuple[float, float, float, int, bool]] = {")
    for key, value in _observed().items():
        print(f"    {key!r}: {value!r},")
    print("}")
