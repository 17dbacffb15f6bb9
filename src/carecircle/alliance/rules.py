"""Pure decisions of the alliance: who acts for a merchant, voucher codes, entitlements,
redemption refusals, windows.

No database access here; the services and the bulk issuer call these.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import numpy as np

from carecircle.core.roles import Role
from carecircle.value.public import TIER_RANKS

from .choices import AttemptOutcome, VoucherStatus

# ----------------------------------------------------------------------------- who acts


def merchant_of(user) -> int | None:
    """The merchant a merchant user works for (None for everyone else): who acts when a
    voucher is redeemed, a booking marked or a statement disputed."""
    if getattr(user, "role", None) == Role.MERCHANT_USER and getattr(user, "partner_id", None):
        return user.partner_id
    return None


# ----------------------------------------------------------------------------- codes
# Crockford's base-32 alphabet: no I, L, O, U, so a code read aloud or typed is unambiguous.
# 11 random symbols (55 bits from ``secrets``) + 1 check symbol (Luhn mod 32), shown in
# groups of four: 7K3M-9QXD-2HTB.  A single wrong symbol, or two swapped neighbours (except
# "0" ↔ "Z", Luhn's one blind spot), fails the check before any database lookup.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
RANDOM_LENGTH = 11
CODE_LENGTH = RANDOM_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# What people type for the symbols left out.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _luhn_sum(values: Iterable[int], double_first: bool) -> int:
    total, double = 0, double_first
    for v in values:
        addend = v * 2 if double else v
        total += addend // BASE + addend % BASE
        double = not double
    return total


def check_symbol(body: str) -> str:
    """Luhn mod N over the reversed body: the symbol that makes the full code check out."""
    total = _luhn_sum((_VALUE[c] for c in reversed(body)), double_first=True)
    return ALPHABET[(BASE - total % BASE) % BASE]


def is_well_formed(code: str) -> bool:
    if len(code) != CODE_LENGTH or any(c not in _VALUE for c in code):
        return False
    return _luhn_sum((_VALUE[c] for c in reversed(code)), double_first=False) % BASE == 0


def normalise(text: str) -> str:
    """What a person typed or a scanner read → the stored form (upper case, no separators)."""
    return "".join(ch for ch in text.upper() if ch.isalnum()).translate(_READ_AS)


def code_from_scan(text: str) -> str:
    """What the redeem field received → the stored form.  A till's scanner types whatever the
    QR holds: the voucher's QR holds a link to the merchant portal with the code as
    ``?code=…`` (so a phone camera opens the portal with the code filled in), and a typed code
    comes with dashes or spaces.  A link gives its ``code`` parameter, else its last path
    segment; anything else is read as a typed code."""
    text = (text or "").strip()
    if "://" in text or text.startswith("/") or "?" in text:
        parts = urlsplit(text)
        given = parse_qs(parts.query, keep_blank_values=True).get("code")
        text = given[0] if given else parts.path.rstrip("/").rsplit("/", 1)[-1]
    return normalise(text)


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_symbol(body)


def new_codes(n: int) -> list[str]:
    """``n`` codes at once for bulk issuing (numpy over ``secrets.token_bytes``).

    32 symbols = 5 bits, so ``byte & 31`` is uniform (no modulo bias)."""
    if n == 0:
        return []
    raw = np.frombuffer(secrets.token_bytes(n * RANDOM_LENGTH), dtype=np.uint8)
    values = (raw & 31).reshape(n, RANDOM_LENGTH).astype(np.int64)
    # Luhn over the reversed body, doubling the first (i.e. the last body symbol).
    rev = values[:, ::-1]
    factors = np.where(np.arange(RANDOM_LENGTH) % 2 == 0, 2, 1)
    addends = rev * factors
    total = (addends // BASE + addends % BASE).sum(axis=1)
    check = (BASE - total % BASE) % BASE
    symbols = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    table = np.concatenate([values, check[:, None]], axis=1)
    chars = symbols[table]
    return [row.tobytes().decode() for row in chars]


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hint(text: str) -> str:
    """What the attempt log keeps of a code tried: its first four symbols, never all of it."""
    return normalise(text)[:4]


# ----------------------------------------------------------------------------- entitlements


@dataclass(frozen=True)
class PackageRule:
    min_tier: str = ""
    rider: str = ""
    vehicle_use: str = ""
    new_energy_only: bool = False
    channel: str = ""
    policy_starts_from: dt.date | None = None
    policy_starts_until: dt.date | None = None


@dataclass(frozen=True)
class PolicyFacts:
    tier: str  # the customer's current tier ("standard" when never valued)
    riders: frozenset[str]
    vehicle_use: str
    new_energy: bool
    channel: str
    effective_date: dt.date


def package_applies(rule: PackageRule, facts: PolicyFacts) -> bool:
    """Every condition set on the package must hold; blank conditions match everything."""
    if rule.min_tier and TIER_RANKS.get(facts.tier, 0) < TIER_RANKS[rule.min_tier]:
        return False
    if rule.rider and rule.rider not in facts.riders:
        return False
    if rule.vehicle_use and rule.vehicle_use != facts.vehicle_use:
        return False
    if rule.new_energy_only and not facts.new_energy:
        return False
    if rule.channel and rule.channel != facts.channel:
        return False
    if rule.policy_starts_from and facts.effective_date < rule.policy_starts_from:
        return False
    return not (rule.policy_starts_until and facts.effective_date > rule.policy_starts_until)


def voucher_validity(
    effective: dt.date, expiry: dt.date, today: dt.date
) -> tuple[dt.date, dt.date]:
    """A policy year's vouchers run from the later of its start and today to the day before
    expiry (``expiry_date`` is exclusive)."""
    return max(effective, today), expiry - dt.timedelta(days=1)


# ----------------------------------------------------------------------------- redemption

VOUCHER_TRANSITIONS: dict[str, frozenset[str]] = {
    VoucherStatus.ISSUED: frozenset(
        {VoucherStatus.REDEEMED, VoucherStatus.EXPIRED, VoucherStatus.CANCELLED}
    ),
    VoucherStatus.REDEEMED: frozenset({VoucherStatus.REVERSED}),
    VoucherStatus.REVERSED: frozenset(),
    VoucherStatus.EXPIRED: frozenset(),
    VoucherStatus.CANCELLED: frozenset(),
}


def can_move(current: str, new: str) -> bool:
    return new in VOUCHER_TRANSITIONS.get(current, frozenset())


def refusal(
    status: str, valid_from: dt.date, valid_until: dt.date, today: dt.date, offered: bool
) -> str | None:
    """Why this voucher cannot be redeemed here today (an AttemptOutcome), or None.

    The merchant check comes first so a wrong merchant learns nothing about the voucher."""
    if not offered:
        return AttemptOutcome.WRONG_MERCHANT
    if status == VoucherStatus.REDEEMED:
        return AttemptOutcome.USED
    if status == VoucherStatus.REVERSED:
        return AttemptOutcome.REVERSED
    if status == VoucherStatus.CANCELLED:
        return AttemptOutcome.CANCELLED
    if status == VoucherStatus.EXPIRED or today > valid_until:
        return AttemptOutcome.EXPIRED
    if today < valid_from:
        return AttemptOutcome.NOT_YET_VALID
    return None


REFUSAL_MESSAGES: dict[str, str] = {
    AttemptOutcome.TYPO: "券码有误，请核对后重输（校验位不符）/ "
    "This code has a typo: please check it and type it again (check symbol mismatch)",
    AttemptOutcome.UNKNOWN: "无此券码 / No voucher has this code",
    AttemptOutcome.WRONG_MERCHANT: "该券不适用于本商户的服务 / "
    "This voucher is not for a service your merchant offers",
    AttemptOutcome.USED: "该券已使用，不能重复核销 / This voucher has already been used",
    AttemptOutcome.REVERSED: "该券的核销已冲正，券已失效 / "
    "This voucher's redemption was reversed; the voucher is void",
    AttemptOutcome.EXPIRED: "该券已过期 / This voucher has expired",
    AttemptOutcome.NOT_YET_VALID: "该券尚未生效 / This voucher is not valid yet",
    AttemptOutcome.CANCELLED: "该券已作废 / This voucher was cancelled",
    AttemptOutcome.RATE_LIMITED: "输错次数过多，请稍后再试；已记录 / "
    "Too many wrong codes: try again later (this has been logged)",
}


def within_reversal_window(redeemed_at: dt.datetime, now: dt.datetime, hours: float) -> bool:
    return now - redeemed_at <= dt.timedelta(hours=hours)
