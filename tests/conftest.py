"""Shared fixtures. Helpers importable by tests live in tests/fixtures/."""

from __future__ import annotations

import pytest

from tests.fixtures import AGENT_MESSAGE_NAMES, agent_message


@pytest.fixture(params=AGENT_MESSAGE_NAMES)
def any_agent_message(request: pytest.FixtureRequest) -> str:
    """Each fixture agent message in turn (incident report, PR review, release note, ...)."""
    return agent_message(request.param)


@pytest.fixture
def incident() -> str:
    return agent_message("incident_report")
