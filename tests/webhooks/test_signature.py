"""``verify_signature``: SeaTable's ``X-SeaTable-Signature`` checked over the raw bytes.

Recorded behaviour: current servers sign ``sha256=<hex HMAC-SHA256 of the raw body, keyed
with the secret>`` (SeaTable help page "The secret key of a webhook", reference §8b); old
``dtable-events`` sent ``sha1(secret).hexdigest()`` with no body binding (``dtable_events/
webhook/models.py``, reference §8b). The HMAC itself is checked against RFC 4231's test
case 2, an oracle independent of this code.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

import seatable_async as sa
from seatable_async import webhooks

BODY = b'{"event": "update", "data": {"row_id": "r1", "op_type": "modify_row"}}'
SECRET = "s3cret"


def test_rfc4231_vector() -> None:
    data = b"what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert webhooks.sign(data, "Jefe") == f"sha256={expected}"
    assert webhooks.verify_signature(data, f"sha256={expected}", "Jefe")
    assert webhooks.verify_signature(data, f"SHA256={expected.upper()}", "Jefe")


def test_genuine_tampered_and_wrong_secret() -> None:
    header = webhooks.sign(BODY, SECRET)
    assert webhooks.verify_signature(BODY, header, SECRET)
    assert webhooks.verify_signature(bytearray(BODY), f"  {header} ", sa.Secret(SECRET))
    tampered = BODY.replace(b"r1", b"r2")
    assert not webhooks.verify_signature(tampered, header, SECRET)
    assert not webhooks.verify_signature(BODY + b" ", header, SECRET)
    assert not webhooks.verify_signature(BODY, header, SECRET + "x")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 63,
        "sha256=" + "0" * 65,
        "sha256=" + "g" * 64,
        "sha1=" + "0" * 40,
        "0" * 64,
        "md5=abc",
    ],
)
def test_missing_and_malformed_headers_are_refused(header: str | None) -> None:
    assert not webhooks.verify_signature(BODY, header, SECRET)


def test_the_legacy_form_only_when_asked() -> None:
    legacy = hashlib.sha1(SECRET.encode()).hexdigest()
    assert not webhooks.verify_signature(BODY, legacy, SECRET)
    assert webhooks.verify_signature(BODY, legacy, SECRET, allow_legacy_sha1=True)
    # It authenticates nothing about the body: any body passes with it (why it is opt-in).
    assert webhooks.verify_signature(b"forged", legacy, SECRET, allow_legacy_sha1=True)
    assert not webhooks.verify_signature(BODY, legacy, "other", allow_legacy_sha1=True)
    # The current form still works with the opt-in.
    header = webhooks.sign(BODY, SECRET)
    assert webhooks.verify_signature(BODY, header, SECRET, allow_legacy_sha1=True)


def test_whitespace_in_the_secret_counts() -> None:
    header = webhooks.sign(BODY, " a b ")
    assert webhooks.verify_signature(BODY, header, " a b ")
    assert not webhooks.verify_signature(BODY, header, "a b")


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    header = webhooks.sign(BODY, SECRET)
    assert webhooks.verify_signature(BODY, header, SECRET)
    assert not webhooks.verify_signature(BODY, "sha256=" + "0" * 64, SECRET)
    assert len(seen) == 2
    assert all(len(a) == len(b) == 64 for a, b in seen)


def test_programming_errors_are_typed() -> None:
    header = webhooks.sign(BODY, SECRET)
    with pytest.raises(sa.ConfigurationError, match="raw request bytes"):
        webhooks.verify_signature(BODY.decode(), header, SECRET)  # type: ignore[arg-type]
    with pytest.raises(sa.ConfigurationError, match="empty"):
        webhooks.verify_signature(BODY, header, "")
    with pytest.raises(sa.ConfigurationError, match="string"):
        webhooks.verify_signature(BODY, header, 42)  # type: ignore[arg-type]
