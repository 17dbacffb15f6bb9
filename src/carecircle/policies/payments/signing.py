"""Signed payment notifications: HMAC-SHA256 over ``"<timestamp>." + raw body`` with the
shared secret, sent as two headers; the receiver refuses a stale or future timestamp (replay
window) and compares signatures in constant time. The body is signed as received (bytes), so
no re-serialisation can change what was signed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-CareCircle-Timestamp"
SIGNATURE_HEADER = "X-CareCircle-Signature"
SCHEME = "v1="


class InvalidSignature(Exception):
    """The notification is not from the gateway, or not now: refused, nothing changes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def sign(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers to send with ``body``."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: bytes, body: bytes, headers: Mapping[str, str], *, now: float, tolerance: int
) -> None:
    """Raise ``InvalidSignature`` unless the headers sign ``body`` within the window."""
    raw_ts = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    try:
        timestamp = int(raw_ts)
    except ValueError:
        raise InvalidSignature("no_timestamp", "缺少时间戳 / timestamp missing") from None
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(
            "stale", "通知时间超出允许范围 / notification timestamp outside the window"
        )
    if not given or not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise InvalidSignature("bad_signature", "签名无效 / signature does not match")
