"""The browser extension in real headless Chromium, against a real `distill serve`.

Chromium (Debian's /usr/bin/chromium, driven by Playwright) loads extension/browser unpacked.
https://app.slack.com/* is routed to the fixture page (tests/fixtures/slack_web/index.html, served
on loopback), so the manifest's real content-script match applies. The extension's service worker
calls the service over loopback like it would in use. Screenshots of each state go to
test-artifacts/extension/.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, Worker, expect, sync_playwright

from tests.extension.conftest import (
    Service,
    free_port,
    mint_key,
    start_service,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension" / "browser"
FIXTURE = ROOT / "tests" / "fixtures" / "slack_web"
ARTIFACTS = ROOT / "test-artifacts" / "extension"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SLACK_URL = "https://app.slack.com/client/T0ACME/C0INCIDENTS"

SHORT_TS = "1717000000.000100"
AGENT_TS = "1717000100.000200"
GROUPED_TS = "1717000160.000250"  # the same app again: no sender or APP badge of its own
HUMAN_TS = "1717000200.000300"
MARKUP_TS = "1717000300.000400"
LATE_TS = "1717000400.000500"
PAYLOAD = "<img src=x onerror=window.__pwned=1>"

# What the content script must send for the agent message: Slack mrkdwn, as Slack itself would
# copy it (emoji as :names:, the mention as <@id>, bold as *…*, list items as bullets).
AGENT_MRKDWN = (
    "Hi team! :wave: I hope everyone is having a great week. I wanted to share a quick update "
    "on the incident from this morning.\n*Summary:* the payments-api deploy of `v2.3.1` failed "
    "at 14:05 UTC because the database migration 0042_add_ledger_index timed out after 300 "
    "seconds. Checkout error rates peaked at 4.2% for 18 minutes before the automatic rollback "
    "completed.\n*Next steps:*\n• <@U02DANA> please re-run the migration with the online index "
    "option by Friday 17:00 UTC\n• We will add a migration timeout alert to the deploy pipeline\n"
    "It's worth noting that no customer data was affected. Let me know if you have any questions "
    "or concerns — happy to help! :blush:"
)

LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---------------------------------------------------------------------------------------------
# Fixtures: a rate-limited second service, the fixture page server, the browser with the
# extension, and a Slack tab.


@pytest.fixture(scope="module")
def limited_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A second real service allowing one request per minute per key, for the 429 path.

    Started with the browser but waited for only by the test that needs it, so that its start
    overlaps the other tests instead of adding to the module's time.
    """
    data_dir = tmp_path_factory.mktemp("limited")
    process, url = start_service(data_dir, DISTILLER_RATE_LIMIT_PER_MINUTE="1")
    try:
        yield process, url, data_dir
    finally:
        stop(process)


@pytest.fixture(scope="module")
def limited(limited_start: tuple) -> Service:
    process, url, data_dir = limited_start
    key = mint_key(data_dir, ["distill"])
    wait_ready(process, url, data_dir)
    return Service(url=url, key=key, data_dir=data_dir, process=process)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fixture_site() -> Iterator[str]:
    """The Slack fixture page served on loopback (port 0)."""
    handler = functools.partial(_Quiet, directory=str(FIXTURE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(
    tmp_path_factory: pytest.TempPathFactory,
    fixture_site: str,
    service: Service,
    limited_start: tuple,
) -> Iterator[BrowserContext]:
    """Headless Chromium with the unpacked extension, app.slack.com routed to the fixture."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),  # a new, empty user-data-dir
            executable_path=CHROMIUM,
            headless=False,  # --headless=new below: the old headless mode has no extensions
            ignore_default_args=["--disable-extensions"],
            args=[
                *LAUNCH_ARGS,
                f"--disable-extensions-except={EXTENSION}",
                f"--load-extension={EXTENSION}",
            ],
        )

        def to_fixture(route: Route) -> None:
            # Every Slack URL answers with the channel page, as Slack's single-page app does.
            route.fulfill(response=route.fetch(url=f"{fixture_site}/index.html"))

        context.route("https://app.slack.com/**", to_fixture)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def worker(browser: BrowserContext) -> Worker:
    """The extension's service worker (its URL gives the extension id)."""
    workers = [w for w in browser.service_workers if w.url.startswith("chrome-extension://")]
    return workers[0] if workers else browser.wait_for_event("serviceworker", timeout=15_000)


@pytest.fixture(scope="module")
def extension_id(worker: Worker) -> str:
    return worker.url.split("/")[2]


def configure(worker: Worker, **settings: object) -> None:
    """Write the extension's settings as the options page would."""
    worker.evaluate("(settings) => chrome.storage.local.set(settings)", settings)


@pytest.fixture
def slack(browser: BrowserContext, worker: Worker, service: Service) -> Iterator[Page]:
    """A Slack tab, with the extension pointed at the real service."""
    configure(worker, serviceUrl=service.url, apiKey=service.key, persona="", minChars=300)
    page = browser.new_page()
    page.goto(SLACK_URL)
    yield page
    page.close()


def message(page: Page, ts: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-qa="message_container"][data-msg-ts="{ts}"]')


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------------------------------------
# Tests


def test_action_only_on_long_messages_and_badge_on_flagged_ones(slack: Page) -> None:
    agent, human = message(slack, AGENT_TS), message(slack, HUMAN_TS)
    expect(agent.locator(".sd-action")).to_have_text("Distill")
    expect(human.locator(".sd-action")).to_have_text("Distill")
    # One scan handles every rendered message, so the short one has been judged by now.
    expect(message(slack, SHORT_TS).locator(".sd-root")).to_have_count(0)
    expect(slack.locator(".sd-action")).to_have_count(4)

    # All long messages are scored in one batch: once the badge shows on the first, every
    # verdict has arrived, including "not flagged" for the person's message.
    badge = agent.locator(".sd-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("title", re.compile(r"agent", re.I))
    expect(human.locator(".sd-badge")).to_be_hidden()
    # Flagged only as an app's message: the sender comes from the message it is grouped under.
    expect(message(slack, GROUPED_TS).locator(".sd-badge")).to_be_visible()
    shoot(slack, "01-actions-and-badge")


def test_messages_added_later_get_the_action(slack: Page) -> None:
    expect(slack.locator(".sd-action")).to_have_count(4)
    slack.evaluate(
        """() => {
            const item = document.getElementById('late-message').content.cloneNode(true);
            document.querySelector('[data-qa="slack_kit_list"]').append(item);
        }"""
    )
    expect(message(slack, LATE_TS).locator(".sd-action")).to_be_visible()
    expect(message(slack, LATE_TS).locator(".sd-badge")).to_be_visible()


def test_click_shows_the_distillation_and_the_original_on_toggle(
    slack: Page, service: Service
) -> None:
    # The extension sends the channel id from the URL, so the channel's persona applies.
    expected = service.post(
        "/v1/distill", {"text": AGENT_MRKDWN, "channel_id": "C0INCIDENTS"}
    ).json()
    agent = message(slack, AGENT_TS)
    original = agent.locator(".c-message_kit__blocks")
    action = agent.locator(".sd-action")

    action.click()
    panel = agent.locator(".sd-panel")
    expect(panel.locator(".sd-tldr")).to_have_text(f"TL;DR {expected['tldr']}")
    # The ask's <@U02DANA> shows as the name seen in the message; the deadline is kept.
    expect(panel.locator(".sd-ask")).to_have_count(len(expected["asks"]))
    expect(panel.locator(".sd-ask").first).to_contain_text("@Dana Lee please re-run")
    expect(panel.locator(".sd-ask").first).to_contain_text("Friday 17:00 UTC")
    expect(panel).not_to_contain_text("I hope")
    expect(panel.locator(".sd-meta")).to_contain_text(expected["facts_summary"])
    expect(original).to_be_hidden()
    expect(action).to_have_text("Show original")
    shoot(slack, "02-distilled")

    action.click()
    expect(original).to_be_visible()
    expect(panel).to_be_hidden()
    expect(action).to_have_text("Show distillation")
    shoot(slack, "03-original-again")

    action.click()
    expect(panel).to_be_visible()
    expect(original).to_be_hidden()


def test_markup_in_a_message_is_shown_as_text(slack: Page) -> None:
    target = message(slack, MARKUP_TS)
    target.locator(".sd-action").click()
    tldr = target.locator(".sd-panel .sd-tldr")
    expect(tldr).to_contain_text(PAYLOAD)  # the service kept it, and it shows as characters
    expect(target.locator(".sd-panel img")).to_have_count(0)
    assert slack.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert slack.evaluate("() => window.__pwned") is None
    shoot(slack, "04-markup-as-text")


def test_service_down_shows_that_it_is_unreachable(slack: Page, worker: Worker) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    configure(worker, serviceUrl=dead)
    target = message(slack, HUMAN_TS)
    target.locator(".sd-action").click()
    error = target.locator(".sd-error")
    expect(error).to_contain_text(f"Service unreachable: nothing answered at {dead}")
    expect(error).to_have_attribute("role", "alert")
    expect(target.locator(".sd-action")).to_have_text("Distill again")
    expect(target.locator(".c-message_kit__blocks")).to_be_visible()  # the original stays
    shoot(slack, "05-service-down")


def test_rate_limited_shows_the_retry_time(slack: Page, worker: Worker, limited: Service) -> None:
    configure(worker, serviceUrl=limited.url, apiKey=limited.key)
    # Spend the key's only request of this minute, so the click is answered 429.
    spent = limited.post("/v1/detect", {"text": "spend the one request"})
    assert spent.status_code in (200, 429)
    target = message(slack, HUMAN_TS)
    target.locator(".sd-action").click()
    expect(target.locator(".sd-error")).to_contain_text(
        re.compile(r"Rate limited by the service \(429\): retry in \d+ s\.")
    )
    shoot(slack, "06-rate-limited")


def test_unknown_key_on_click_points_to_the_options(slack: Page, worker: Worker) -> None:
    configure(worker, apiKey="sd_nope_nope")
    target = message(slack, HUMAN_TS)
    target.locator(".sd-action").click()
    error = target.locator(".sd-error")
    expect(error).to_contain_text("API key refused (401)")
    expect(error.locator("button")).to_have_text("Open options")


def test_options_page_saves_and_tests_the_connection(
    browser: BrowserContext, extension_id: str, service: Service, worker: Worker
) -> None:
    configure(worker, serviceUrl="http://127.0.0.1:8000", apiKey="", persona="", minChars=300)
    page = browser.new_page()
    options_url = f"chrome-extension://{extension_id}/options/options.html"
    page.goto(options_url)
    status = page.locator("#status")
    expect(page.locator("#serviceUrl")).to_have_value("http://127.0.0.1:8000")

    page.fill("#serviceUrl", service.url)
    page.fill("#apiKey", service.key)
    page.fill("#minChars", "500")
    page.click("#save")
    expect(status).to_have_text("Saved.")
    page.reload()
    expect(page.locator("#serviceUrl")).to_have_value(service.url)
    expect(page.locator("#apiKey")).to_have_value(service.key)
    expect(page.locator("#minChars")).to_have_value("500")

    page.click("#test")
    expect(status).to_contain_text("Connection OK.")
    expect(status).to_contain_text(f"Service reachable at {service.url}.")
    expect(page.locator("#personas option").first).to_be_attached()  # names from the service
    shoot(page, "07-options-ok")

    page.fill("#apiKey", "sd_bad_key")
    page.click("#test")
    expect(status).to_contain_text("API key refused (401)")
    expect(status).to_contain_text("Connection failed.")
    shoot(page, "08-options-401")

    page.fill("#serviceUrl", "ftp://example.com")
    page.click("#save")
    expect(status).to_contain_text("is not a service URL")
    page.close()
