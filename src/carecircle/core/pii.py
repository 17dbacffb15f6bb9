"""Personal data: field encryption (AES-GCM), searchable blind index (HMAC) and masking.

ID numbers and mobile numbers are C2 data (JR/T 0171-2020). They are stored three ways:
``*_encrypted`` (AES-256-GCM, only decrypted by :func:`reveal` for roles that may, audited),
``*_hash`` (HMAC-SHA256 blind index of the normalised value, so a full phone or ID finds the
customer with an indexed equality lookup and no decryption), and ``*_masked`` (what lists show).

Keys (ADR 0019, docs/operations.md "Keys"). The master key is ``CARECIRCLE_FIELD_KEY`` (32
bytes, urlsafe base64) — or, in the demo only, ``SECRET_KEY`` itself. Two sub-keys come from it
through HKDF: one encrypts, one indexes. Each key is named by its **fingerprint**: ten hex
digits of a third HKDF output, never the key itself. A value is stored as
``v2:<fingerprint>:<base64(nonce + ciphertext)>`` (the fingerprint is authenticated as the
associated data), so a table can be counted by the key that wrote each row, rows written under
the public demo key are recognisable, and a rotation knows what is left to do. Values written
before fingerprints (``v1:<payload>``) still decrypt: every readable key is tried.

The readable keys (:func:`keyring`): the current one, ``settings.FIELD_ENCRYPTION_KEYS_PREVIOUS``
(retired keys a rotation still reads), the key derived from ``SECRET_KEY`` (what a deployment
used before it set a field key) and the demo key (public: reading under it protects nothing, but
it lets ``carecircle keys rotate`` move the demo's rows to a real key). New values are always
written under the current key. A blind-index lookup during a rotation searches every readable
key's hash (:func:`blind_indexes`), so rows not yet re-indexed are still found.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import string
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_VERSION = "v2"  # what encrypt() writes: v2:<fingerprint>:<payload>
LEGACY_VERSION = "v1"  # before fingerprints: v1:<payload> (still read)
FINGERPRINT_HEX = 10
FIELD_KEY_BYTES = 32
_URLSAFE = frozenset(string.ascii_letters + string.digits + "-_=")


class UnknownKey(ValueError):
    """The value was written under a key this deployment does not have."""


@dataclass(frozen=True)
class FieldKey:
    """One master key's sub-keys and its public name (fingerprint)."""

    fingerprint: str
    encrypt_key: bytes
    index_key: bytes
    role: str  # current | previous | secret | demo

    def index(self, normalised: str) -> str:
        return hmac.new(self.index_key, normalised.encode(), hashlib.sha256).hexdigest()[:40]


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"carecircle-pii", info=info).derive(
        master
    )


@lru_cache(maxsize=16)
def _field_key(master: bytes, role: str) -> FieldKey:
    return FieldKey(
        fingerprint=_derive(master, b"fingerprint").hex()[:FINGERPRINT_HEX],
        encrypt_key=_derive(master, b"encrypt"),
        index_key=_derive(master, b"blind-index"),
        role=role,
    )


def decode_field_key(text: str) -> bytes:
    """The 32 bytes of a ``CARECIRCLE_FIELD_KEY`` (urlsafe base64, padding optional); a
    ValueError that says what is wrong otherwise."""
    text = text.strip()
    if not text or set(text) - _URLSAFE:
        raise ValueError("not urlsafe base64")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not urlsafe base64") from None
    if len(raw) != FIELD_KEY_BYTES:
        raise ValueError(f"{len(raw)} bytes, not {FIELD_KEY_BYTES}")
    return raw


def _lenient_master(text: str) -> bytes:
    """The current key as the code before the key check read it (any urlsafe base64), so a
    deployment still running with a short key reads its rows until it rotates."""
    try:
        return base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError):
        return text.encode()


def fingerprint_of_master(master: bytes) -> str:
    return _field_key(master, "any").fingerprint


def fingerprint_of_field_key(text: str) -> str:
    """The fingerprint of a field key given as its urlsafe-base64 text (ValueError if bad)."""
    return fingerprint_of_master(decode_field_key(text))


def demo_fingerprint() -> str:
    """The fingerprint of the public demo key (no field key, the demo SECRET_KEY)."""
    return fingerprint_of_master(settings.INSECURE_DEFAULT_SECRET.encode())


@dataclass(frozen=True)
class Keyring:
    current: FieldKey
    readable: tuple[FieldKey, ...]  # current first, then previous, secret-derived, demo

    def by_fingerprint(self, fingerprint: str) -> FieldKey | None:
        for key in self.readable:
            if key.fingerprint == fingerprint:
                return key
        return None


@lru_cache(maxsize=8)
def _keyring(secret: str, field_key: str, previous: tuple[str, ...], demo: str) -> Keyring:
    def master_of(text: str) -> bytes | None:
        try:
            return decode_field_key(text)
        except ValueError:
            return None

    current_master = _lenient_master(field_key) if field_key else secret.encode()
    current = _field_key(current_master, "current")
    keys = [current]
    candidates: list[tuple[bytes | None, str]] = [(master_of(p), "previous") for p in previous]
    candidates += [(secret.encode(), "secret"), (demo.encode(), "demo")]
    for master, role in candidates:
        if master is None:
            continue  # a malformed previous key: `carecircle keys check` names it
        key = _field_key(master, role)
        if all(k.fingerprint != key.fingerprint for k in keys):
            keys.append(key)
    return Keyring(current=current, readable=tuple(keys))


def keyring() -> Keyring:
    """The keys of this deployment, from settings (read at call time)."""
    return _keyring(
        settings.SECRET_KEY,
        settings.FIELD_ENCRYPTION_KEY,
        tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS_PREVIOUS", ())),
        settings.INSECURE_DEFAULT_SECRET,
    )


def current_fingerprint() -> str:
    return keyring().current.fingerprint


def encrypt(plaintext: str) -> str:
    key = keyring().current
    head = f"{KEY_VERSION}:{key.fingerprint}"
    nonce = os.urandom(12)
    ct = AESGCM(key.encrypt_key).encrypt(nonce, plaintext.encode(), head.encode())
    return head + ":" + base64.b64encode(nonce + ct).decode()


def fingerprint_of(token: str) -> str | None:
    """The fingerprint a ``v2`` value names; None for a legacy ``v1`` value."""
    version, _, rest = token.partition(":")
    if version == KEY_VERSION:
        return rest.partition(":")[0]
    if version == LEGACY_VERSION:
        return None
    raise ValueError(f"unknown key version {version!r}")


def key_of(token: str) -> FieldKey | None:
    """The readable key that wrote ``token`` (a ``v1`` value is tried under each), or None."""
    version, _, rest = token.partition(":")
    if version == KEY_VERSION:
        return keyring().by_fingerprint(rest.partition(":")[0])
    for key in keyring().readable:
        try:
            _open(key, token)
        except (InvalidTag, ValueError):
            continue
        return key
    return None


def _open(key: FieldKey, token: str) -> str:
    version, _, rest = token.partition(":")
    if version == KEY_VERSION:
        fingerprint, _, payload = rest.partition(":")
        aad = f"{KEY_VERSION}:{fingerprint}".encode()
    elif version == LEGACY_VERSION:
        payload, aad = rest, LEGACY_VERSION.encode()
    else:
        raise ValueError(f"unknown key version {version!r}")
    raw = base64.b64decode(payload)
    return AESGCM(key.encrypt_key).decrypt(raw[:12], raw[12:], aad).decode()


def decrypt(token: str) -> str:
    version, _, rest = token.partition(":")
    if version == KEY_VERSION:
        fingerprint = rest.partition(":")[0]
        key = keyring().by_fingerprint(fingerprint)
        if key is None:
            raise UnknownKey(f"encrypted under an unknown key {fingerprint!r}")
        return _open(key, token)
    if version != LEGACY_VERSION:
        raise ValueError(f"unknown key version {version!r}")
    for key in keyring().readable:  # v1 carries no fingerprint: the current key first
        try:
            return _open(key, token)
        except InvalidTag:
            continue
    raise UnknownKey("a v1 value no readable key decrypts")


def blind_index(normalised: str) -> str:
    """The blind index under the current key (what is stored)."""
    return keyring().current.index(normalised)


def blind_indexes(normalised: str) -> list[str]:
    """The blind index under every readable key, the current one first: a lookup filters
    ``<field>_hash__in=blind_indexes(value)`` so a row not yet re-indexed by a rotation is found."""
    seen: list[str] = []
    for key in keyring().readable:
        digest = key.index(normalised)
        if digest not in seen:
            seen.append(digest)
    return seen


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
