"""The extension's standing rules, checked on its source: minimal permissions, no remote code,
no HTML parsing of untrusted text. (The browser tests show the behaviour; these keep a later edit
from quietly widening what the extension may do.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BROWSER = Path(__file__).resolve().parents[2] / "extension" / "browser"
SCRIPTS = sorted(BROWSER.rglob("*.js"))
PAGES = sorted(BROWSER.rglob("*.html"))
MANIFEST = json.loads((BROWSER / "manifest.json").read_text())

# Sinks that parse a string as HTML or code.
HTML_OR_CODE_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment"
    r"|DOMParser|\beval\s*\(|new\s+Function\b|setTimeout\s*\(\s*['\"`]|srcdoc"
)


def test_manifest_asks_only_for_storage_and_loopback() -> None:
    assert MANIFEST["manifest_version"] == 3
    assert MANIFEST["permissions"] == ["storage"]
    assert MANIFEST["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    # Any other service origin is asked for at run time, for that origin only (options page).
    assert set(MANIFEST["optional_host_permissions"]) == {"https://*/*", "http://*/*"}
    [content] = MANIFEST["content_scripts"]
    assert content["matches"] == ["https://app.slack.com/*"]
    for key in ("web_accessible_resources", "externally_connectable", "content_security_policy"):
        assert key not in MANIFEST, f"{key} widens what pages or code can reach"


def test_every_file_the_manifest_names_exists() -> None:
    [content] = MANIFEST["content_scripts"]
    named = [MANIFEST["background"]["service_worker"], MANIFEST["options_ui"]["page"]]
    named += content["js"] + content["css"]
    for path in named:
        assert (BROWSER / path).is_file(), path


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(BROWSER)))
def test_no_script_parses_strings_as_html_or_code(script: Path) -> None:
    hits = [
        f"{script.name}:{n}: {line.strip()}"
        for n, line in enumerate(script.read_text().splitlines(), 1)
        if HTML_OR_CODE_SINKS.search(line) and not line.lstrip().startswith("//")
    ]
    assert not hits, "build DOM nodes and use textContent instead:\n" + "\n".join(hits)


@pytest.mark.parametrize("path", SCRIPTS + PAGES, ids=lambda p: str(p.relative_to(BROWSER)))
def test_no_remote_code(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"<script[^>]+src=[\"']https?:", text), "scripts must ship in the package"
    assert not re.search(r"\bimport\s*\(\s*[\"'`]https?:", text), "no remote dynamic imports"
    assert not re.search(r"\bimport\b[^;]*from\s+[\"']https?:", text), "no remote imports"
    assert "importScripts" not in text
