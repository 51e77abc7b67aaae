"""Secret redaction: every family caught in plain text and in mrkdwn, look-alikes left alone.

All credentials below are fake, assembled from pieces so no scanner mistakes this file for a
leak and no real token is ever written down.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from distiller.redact import Redacted, SecretFinding, contains_secret, redact_secrets


def _b64url(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _pem(label: str) -> str:
    body = "\n".join(["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "bK7x" * 8] * 4 + ["Qm9nVXM="])
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


SLACK_BOT = "xoxb-" + "123456789012-" + "1234567890123-" + "aB3dE5fG7hI9jK1lM3nO5pQ7"
SLACK_USER = "xoxp-" + "123456789012-" + "123456789012-" + "1234567890123-" + "0f1e2d3c" * 4
SLACK_XOXA = "xoxa-" + "2-" + "123456789012-" + "aB3dE5fG7hI9jK1l"
SLACK_XOXR = "xoxr-" + "123456789012-" + "cD4eF6gH8iJ0kL2m"
SLACK_XOXS = "xoxs-" + "123456789012-" + "eF6gH8iJ0kL2mN4o"
SLACK_APP = "xapp-" + "1-" + "A0123456789-" + "1234567890123-" + "a1b2c3d4" * 8
WEBHOOK = (
    "https://hooks.slack.com/services/" + "T0123ABCD/" + "B0456EFGH/" + "aBcDeFgH1234IjKlMn5678"
)
OPENAI = "sk-" + "aB3dE5fG7hI9jK1lM3nO" + "T3BlbkFJ" + "pQ7rS9tU1vW3xY5zA7bC"
OPENAI_PROJ = "sk-" + "proj-" + "Ab12Cd34_Ef56-Gh78" * 6
OPENAI_SVC = "sk-" + "svcacct-" + "Zy98Xw76_Vu54-Ts32" * 6
AWS_ID = "AKIA" + "Q2W3E4R5T6Y7U8I9"
AWS_STS_ID = "ASIA" + "Z9X8C7V6B5N4M3L2"
AWS_SECRET = "aB3/dE5+fG7h" + "I9jK1lM3nO5p" + "Q7rS9tU1vW3x" + "Y5zA"
GH_CLASSIC = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6Q7r8"
GH_OAUTH = "gho_" + "Z9y8X7w6V5u4T3s2R1q0" + "P9o8N7m6L5k4J3i2"
GH_USER = "ghu_" + "a1B2c3D4e5F6g7H8i9J0" + "k1L2m3N4o5P6q7R8"
GH_SERVER = "ghs_" + "Q1w2E3r4T5y6U7i8O9p0" + "A1s2D3f4G5h6J7k8"
GH_REFRESH = "ghr_" + "M1n2B3v4C5x6Z7l8K9j0" + "H1g2F3d4S5a6P7o8"
GH_FINE = (
    "github_pat_" + "11ABCDEFG0" + "123456789012_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" * 2
)
JWT = ".".join(
    [
        _b64url({"alg": "HS256", "typ": "JWT"}),
        _b64url({"sub": "U0123ABCD", "iat": 1712345678}),
        "SflKxwRJSMeKKF2QT4fw" + "pMeJf36POk6yJV_adQssw5c",
    ]
)
URL_PW = "S3cr3t-Pa55"
assert len(AWS_SECRET) == 40 and len(GH_CLASSIC) == 40

# (id, kind, sample, secret): `secret` occurs exactly once in `sample` and is what must go.
POSITIVES = [
    ("xoxb", "slack-token", SLACK_BOT, SLACK_BOT),
    ("xoxp", "slack-token", SLACK_USER, SLACK_USER),
    ("xoxa", "slack-token", SLACK_XOXA, SLACK_XOXA),
    ("xoxr", "slack-token", SLACK_XOXR, SLACK_XOXR),
    ("xoxs", "slack-token", SLACK_XOXS, SLACK_XOXS),
    ("xapp", "slack-token", SLACK_APP, SLACK_APP),
    ("webhook", "slack-webhook", WEBHOOK, WEBHOOK),
    ("webhook-bare", "slack-webhook", WEBHOOK[8:], WEBHOOK[8:]),
    ("openai", "openai-key", OPENAI, OPENAI),
    ("openai-proj", "openai-key", OPENAI_PROJ, OPENAI_PROJ),
    ("openai-svcacct", "openai-key", OPENAI_SVC, OPENAI_SVC),
    ("akia", "aws-access-key", AWS_ID, AWS_ID),
    ("asia", "aws-access-key", AWS_STS_ID, AWS_STS_ID),
    ("aws-secret-ini", "aws-secret-key", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("aws-secret-env", "aws-secret-key", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    ("aws-secret-yaml", "aws-secret-key", f"AWS_SECRET_ACCESS_KEY: {AWS_SECRET}", AWS_SECRET),
    ("aws-secret-json", "aws-secret-key", f'"SecretAccessKey": "{AWS_SECRET}"', AWS_SECRET),
    ("ghp", "github-token", GH_CLASSIC, GH_CLASSIC),
    ("gho", "github-token", GH_OAUTH, GH_OAUTH),
    ("ghu", "github-token", GH_USER, GH_USER),
    ("ghs", "github-token", GH_SERVER, GH_SERVER),
    ("ghr", "github-token", GH_REFRESH, GH_REFRESH),
    ("github-pat", "github-token", GH_FINE, GH_FINE),
    ("pem-pkcs8", "private-key", _pem("PRIVATE KEY"), _pem("PRIVATE KEY")),
    ("pem-rsa", "private-key", _pem("RSA PRIVATE KEY"), _pem("RSA PRIVATE KEY")),
    ("pem-ec", "private-key", _pem("EC PRIVATE KEY"), _pem("EC PRIVATE KEY")),
    ("pem-openssh", "private-key", _pem("OPENSSH PRIVATE KEY"), _pem("OPENSSH PRIVATE KEY")),
    ("pem-encrypted", "private-key", _pem("ENCRYPTED PRIVATE KEY"), _pem("ENCRYPTED PRIVATE KEY")),
    ("jwt", "jwt", JWT, JWT),
    ("url-postgres", "url-password", f"postgres://app:{URL_PW}@db.internal:5432/app", URL_PW),
    ("url-redis", "url-password", f"redis://:{URL_PW}@cache.internal:6379/0", URL_PW),
    ("url-https", "url-password", f"https://deploy:{URL_PW}@ci.example.com/job", URL_PW),
    ("password-eq", "password", "password=" + "Hunt3r2!", "Hunt3r2!"),
    ("passwd-colon", "password", "passwd: " + "Tr0ub4dor&3", "Tr0ub4dor&3"),
    ("secret-eq", "password", "client_secret=" + "9f8e7d6c5b4a", "9f8e7d6c5b4a"),
    ("api-key-quoted", "password", 'API_KEY="' + "Zx81-Qm27-Lp55" + '"', "Zx81-Qm27-Lp55"),
    ("token-colon", "password", "token: " + "a1b2c3d4e5f6g7h8", "a1b2c3d4e5f6g7h8"),
    ("json-password", "password", '{"password": "' + "correct horse" + '"}', "correct horse"),
    ("auth-header", "password", "Authorization: Bearer " + "opaque0123abcdef", "opaque0123abcdef"),
]

CONTEXTS = {
    "plain": "FYI {x} (please rotate it).\nThanks!",
    "inline-code": "run `{x}` and retry",
    "code-block": "logs:\n```\n{x}\n```\nthat's all",
    "link": "<https://example.com/callback?ref={x}|callback>",
    "url-link": "see <{x}|the link> now",
}


def _fits(context: str, sample: str) -> bool:
    is_url = "://" in sample and not any(c in sample for c in " \n\"'")
    if context == "url-link":
        return is_url
    if context == "link":
        return not is_url and not any(c in sample for c in " \n\"'")
    return context != "inline-code" or "\n" not in sample


POSITIVE_CASES = [
    pytest.param(kind, CONTEXTS[ctx].replace("{x}", sample), secret, id=f"{name}-{ctx}")
    for name, kind, sample, secret in POSITIVES
    for ctx in CONTEXTS
    if _fits(ctx, sample)
]


@pytest.mark.parametrize(("kind", "text", "secret"), POSITIVE_CASES)
def test_secret_is_redacted_and_the_rest_kept(kind: str, text: str, secret: str) -> None:
    start = text.index(secret)
    result = redact_secrets(text)
    assert result.findings == (SecretFinding(kind, start, start + len(secret)),)
    assert result.text == text.replace(secret, f"[REDACTED:{kind}]")
    assert contains_secret(text)


@pytest.mark.parametrize(("kind", "text", "secret"), POSITIVE_CASES)
def test_redaction_is_idempotent(kind: str, text: str, secret: str) -> None:
    once = redact_secrets(text)
    twice = redact_secrets(once.text)
    assert twice.text == once.text
    assert twice.findings == ()
    assert not contains_secret(once.text)


LOOK_ALIKES = [
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed it",
    "short shas 3f2a9c1 and abc1234",
    "request 123e4567-e89b-12d3-a456-426614174000",
    "object 5f9c3b2a1d4e6f708192a3b4c5d6e7f8",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "https://example.com:8443/api/v2/items?page=2&amp;sort=desc#top",
    "<https://grafana.internal:3000/d/abc?orgId=1&amp;from=now-6h|dashboard>",
    "http://localhost:8080/healthz",
    "https://alice@example.com/repo.git",
    "ssh://git@github.com:22/org/repo.git and git@github.com:org/repo.git",
    "<mailto:bob@example.com|bob@example.com>",
    "<@U0123ABCD> <#C0123ABCD|general> <!here> <!subteam^S0123ABC|@oncall>",
    "posted at 1712345678.000100",
    "v2.14.3-rc.1 with python==3.11.9",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "checksum " + AWS_SECRET,
    "please do a password reset for the bot",
    "the token expired yesterday",
    "Reset your password: click the link below",
    "max_tokens=500, tokens: 1532, token_count=12",
    "risk-assessment-2024-q3-final-review",
    "scikit-learn and ask-me-anything-2024-edition",
    "https://wiki.example.com/sk-2024-11-05-meeting-notes-final",
    "tokens look like xoxb-your-token-here",
    "AKIA is the prefix of AWS access key ids",
    "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY",
    "password=${DB_PASSWORD}",
    'token := os.Getenv("SLACK_BOT_TOKEN")',
    "def login(user: str, password: str) -> bool:",
    "eyJhbGciOiJIUzI1NiJ9 is only a header",
    "Secret Santa is on Friday; secret: true",
    "password: ********",
    "Authorization: Bearer $TOKEN",
    "post to hooks.slack.com/services/... as documented",
    "see https://api.slack.com/authentication/token-types#bot",
    ":key: :lock: no secrets here",
    "[REDACTED:slack-token] and password=[REDACTED:password]",
]


@pytest.mark.parametrize("context", ["plain", "inline-code", "code-block"])
@pytest.mark.parametrize("sample", LOOK_ALIKES)
def test_look_alike_is_untouched(sample: str, context: str) -> None:
    text = CONTEXTS[context].replace("{x}", sample)
    result = redact_secrets(text)
    assert result == Redacted(text, ())
    assert not contains_secret(text)


def test_mrkdwn_link_keeps_its_frame() -> None:
    text = "creds: <https://alice:" + "pw0rd" + "@host.example/x|the dashboard>."
    result = redact_secrets(text)
    assert (
        result.text
        == "creds: <https://alice:[REDACTED:url-password]@host.example/x|the dashboard>."
    )
    assert result.findings == (SecretFinding("url-password", 22, 27),)


def test_mrkdwn_label_repeating_the_url_is_redacted_too() -> None:
    text = "<postgres://app:" + URL_PW + "@db:5432/x|app:" + URL_PW + "@db:5432/x>"
    result = redact_secrets(text)
    placeholder = "[REDACTED:url-password]"
    assert result.text == f"<postgres://app:{placeholder}@db:5432/x|app:{placeholder}@db:5432/x>"
    assert [text[f.start : f.end] for f in result.findings] == [URL_PW, URL_PW]


def test_password_containing_at_sign_is_cut_at_the_last_one() -> None:
    result = redact_secrets("mysql://root:p@ss" + "w0rd@db:3306")
    assert result.text == "mysql://root:[REDACTED:url-password]@db:3306"


def test_several_secrets_in_one_text_keep_their_original_offsets() -> None:
    secrets = [
        ("slack-token", SLACK_BOT),
        ("aws-access-key", AWS_ID),
        ("aws-secret-key", AWS_SECRET),
        ("url-password", URL_PW),
        ("private-key", _pem("RSA PRIVATE KEY")),
        ("password", "Hunt3r2!"),
    ]
    text = (
        f"bot token {SLACK_BOT}, keys {AWS_ID},{AWS_SECRET}\n"
        f"db: postgres://app:{URL_PW}@db:5432/x\n{_pem('RSA PRIVATE KEY')}\npassword=Hunt3r2!"
    )
    result = redact_secrets(text)
    assert [f.kind for f in result.findings] == [kind for kind, _ in secrets]
    assert [text[f.start : f.end] for f in result.findings] == [s for _, s in secrets]
    expected = text
    for kind, secret in secrets:
        expected = expected.replace(secret, f"[REDACTED:{kind}]")
    assert result.text == expected


def test_specific_kind_wins_over_generic_assignment() -> None:
    result = redact_secrets(f"SLACK_BOT_TOKEN={SLACK_BOT}")
    assert result.text == "SLACK_BOT_TOKEN=[REDACTED:slack-token]"
    assert len(result.findings) == 1


def test_truncated_private_key_is_redacted_up_to_the_prose() -> None:
    pem = _pem("RSA PRIVATE KEY")
    cut = pem[: pem.index("-----END")].rstrip()
    result = redact_secrets(cut + "\n\nsorry, pasted the wrong thing")
    assert result.text == "[REDACTED:private-key]\n\nsorry, pasted the wrong thing"


def test_json_escaped_private_key_is_redacted_whole() -> None:
    escaped = json.dumps({"private_key": _pem("PRIVATE KEY") + "\n", "type": "service_account"})
    result = redact_secrets(escaped)
    assert result.text == '{"private_key": "[REDACTED:private-key]\\n", "type": "service_account"}'


def test_offsets_hold_when_lowercasing_changes_length() -> None:
    # "İ" lowers to two code points; the case-insensitive rules must not drift.
    text = "İİ password=Hunt3r2! İ"
    result = redact_secrets(text)
    (finding,) = result.findings
    assert text[finding.start : finding.end] == "Hunt3r2!"
    assert result.text == "İİ password=[REDACTED:password] İ"


def test_realistic_agent_message_with_leaked_token() -> None:
    text = (
        "Hi team! :wave: I hope this helps.\n\n"
        "*Summary*\n"
        "• The nightly sync to <#C0123ABCD|data-eng> failed at 1712345678.000100 "
        "(commit 9fceb02, run <https://ci.example.com/runs/4821?attempt=2|#4821>).\n"
        "• Root cause: the bot token was rotated but the job still uses the old one.\n\n"
        "To reproduce:\n"
        "```\n"
        f'curl -H "Authorization: Bearer {SLACK_BOT}" https://slack.com/api/auth.test\n'
        "```\n"
        "<@U0456EFGH> could you update the secret in Vault by Friday? Let me know if anything "
        "is unclear! :rocket:"
    )
    result = redact_secrets(text)
    assert result.text == text.replace(SLACK_BOT, "[REDACTED:slack-token]")
    assert [f.kind for f in result.findings] == ["slack-token"]


def test_result_types_are_immutable_values() -> None:
    result = redact_secrets(f"key {GH_CLASSIC}")
    assert isinstance(result.findings, tuple)
    assert bool(result.findings)
    assert not redact_secrets("nothing to see").findings
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.findings[0].start = 0  # type: ignore[misc]


def test_empty_text() -> None:
    assert redact_secrets("") == Redacted("", ())
    assert not contains_secret("")
