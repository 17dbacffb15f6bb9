"""Personal data: field encryption (AES-GCM), searchable blind index (HMAC) and masking.

ID numbers and mobile numbers are C2 data (JR/T 0171-2020). They are stored three ways:
``*_encrypted`` (AES-256-GCM, only decrypted by :func:`reveal` for roles that may, audited),
``*_hash`` (HMAC-SHA256 blind index of the normalised value, so a full phone or ID finds the
customer with an indexed equality lookup and no decryption), and ``*_masked`` (what lists show).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(secret: str, field_key: str) -> tuple[bytes, bytes]:
    master = base64.urlsafe_b64decode(field_key) if field_key else secret.encode()

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"carecircle-pii", info=info).derive(
            master
        )

    return derive(b"encrypt"), derive(b"blind-index")


def _current_keys() -> tuple[bytes, bytes]:
    return _keys(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    enc_key, _ = _current_keys()
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, plaintext.encode(), KEY_VERSION.encode())
    return KEY_VERSION + ":" + base64.b64encode(nonce + ct).decode()


def decrypt(token: str) -> str:
    version, _, payload = token.partition(":")
    if version != KEY_VERSION:
        raise ValueError(f"unknown key version {version!r}")
    raw = base64.b64decode(payload)
    enc_key, _ = _current_keys()
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], version.encode()).decode()


def blind_index(normalised: str) -> str:
    _, idx_key = _current_keys()
    return hmac.new(idx_key, normalised.encode(), hashlib.sha256).hexdigest()[:40]


def mask_phone(phone: str) -> str:
    """138****8000 (first 3 + last 4)."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_id_number(id_number: str) -> str:
    """110105********0123 (first 6 + last 4)."""
    return (
        id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
        if len(id_number) > 10
        else "****"
    )


def mask_name(name: str) -> str:
    """张** for partner/merchant views: surname kept."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
