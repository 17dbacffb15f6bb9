"""Redeeming a voucher at a merchant, exactly once; refusals logged (the guessing brake);
the merchant's reversal within the window.  Refusals are logged outside the transaction so
they stay."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm

from .. import conf, redemption_sql, rules
from ..choices import AttemptOutcome, RedemptionStatus, VoucherStatus
from ..models import Redemption, RedemptionAttempt, Voucher
from ..rules import merchant_of
from .common import require

log = logging.getLogger("carecircle.alliance")

REFUSAL_STATUS: dict[str, int] = {AttemptOutcome.RATE_LIMITED: 429, AttemptOutcome.UNKNOWN: 404}


def _refused(outcome: str) -> DomainError:
    return DomainError(
        outcome, rules.REFUSAL_MESSAGES[outcome], "code", status=REFUSAL_STATUS.get(outcome, 409)
    )


def _guess_brake(
    user, merchant_id: int | None, now: dt.datetime, failures: int, braked: int
) -> None:
    """Refuse (429) once the user has ``GUESS_LIMIT`` unknown codes in the window; the count
    comes with the voucher lookup (redemption_sql.look_up), so the brake costs no query.
    Only *unknown* codes count: "used", "expired" and the like answer a code that exists (a
    till's double scan must not lock the counter out), a mistyped code (checksum failed) can
    match no voucher, and counting the brake's own refusals would keep it shut while the till
    keeps trying.  ``braked`` (the brake's refusals in the window) makes the audit row once
    per burst."""
    if failures < conf.get("GUESS_LIMIT"):
        return
    RedemptionAttempt.objects.create(
        user=user,
        merchant_id=merchant_id,
        at=now,
        code_tried="",
        outcome=AttemptOutcome.RATE_LIMITED,
    )
    if not braked:  # audit once per burst, not per attempt
        audit.record(
            user,
            AuditLog.Action.DENIED,
            object_type="alliance.redemption",
            summary=f"code guessing brake: {failures} unknown codes in the window",
        )
    log.warning("alliance: guessing brake for user %s (merchant %s)", user.pk, merchant_id)
    raise _refused(AttemptOutcome.RATE_LIMITED)


def redeem(
    code_text: str, *, acting_user, location_id: int | None = None, remote_addr: str | None = None
) -> Redemption:
    """Redeem a voucher at the acting user's merchant — exactly once.

    The voucher moves issued → redeemed with one conditional UPDATE (``WHERE status =
    'issued'``): of any number of concurrent attempts exactly one changes the row, the others
    see 0 rows and are told the voucher is used.  The partial unique constraint on completed
    redemptions is a second guard.  ``code_text`` is what was typed or scanned: a code with or
    without dashes, or a QR payload (a URL ending in the code; rules.code_from_scan).

    Two statements on PostgreSQL (redemption_sql): one read answers the guessing brake, the
    voucher, the offer and the location; one write moves the voucher, records the
    redemption and its audit row."""
    require(acting_user, Perm.REDEEM_VOUCHERS)
    merchant_id = merchant_of(acting_user)
    if merchant_id is None:
        raise PermissionDenied("仅商户用户可核销 / only a merchant's staff can redeem")
    now = clock.now()
    code = rules.code_from_scan(code_text or "")
    try:
        return _redeem(code, acting_user, merchant_id, location_id, now)
    except DomainError as refused:
        if refused.code == AttemptOutcome.RATE_LIMITED:
            raise  # the brake logged its own attempt
        log_refusal(acting_user, code, refused.code, remote_addr=remote_addr, now=now)
        raise


def log_refusal(
    user, code: str, outcome: str, *, remote_addr: str | None = None, now: dt.datetime | None = None
) -> RedemptionAttempt:
    """The attempt row the guessing brake counts (first four symbols only).  ``redeem`` writes
    it; a caller whose own transaction rolled the row back (the API under an
    Idempotency-Key) writes it again after the rollback, or a guesser could dodge the brake."""
    log.info("alliance: refused %s for user %s", outcome, user.pk)
    return RedemptionAttempt.objects.create(
        user=user,
        merchant_id=merchant_of(user),
        at=now or clock.now(),
        code_tried=rules.code_hint(code),
        outcome=outcome if outcome in AttemptOutcome.values else AttemptOutcome.UNKNOWN,
        remote_addr=remote_addr,
    )


def _redeem(
    code: str, user, merchant_id: int, location_id: int | None, now: dt.datetime
) -> Redemption:
    window = conf.get("GUESS_WINDOW_MINUTES")
    if not rules.is_well_formed(code):
        # a typo needs no voucher lookup, only the brake (which comes first)
        _guess_brake(user, merchant_id, now, *redemption_sql.refusals_only(user.pk, now, window))
        raise _refused(AttemptOutcome.TYPO)
    found = redemption_sql.look_up(
        code,
        user_id=user.pk,
        merchant_id=merchant_id,
        location_id=location_id,
        now=now,
        window_minutes=window,
    )
    _guess_brake(user, merchant_id, now, found.failures, found.braked)
    if found.voucher_id is None:
        raise _refused(AttemptOutcome.UNKNOWN)
    assert found.valid_from is not None and found.valid_until is not None
    why = rules.refusal(
        found.status,
        found.valid_from,
        found.valid_until,
        timezone.localdate(now),
        found.offer_id is not None,
    )
    if why:
        raise _refused(why)
    if location_id is not None and found.location_id is None:
        raise DomainError("location", "门店不属于本商户 / not your merchant's location", "location")
    summary = f"redeemed {code[:4]}… {found.product_id} at ¥{found.price}"
    redemption_id = redemption_sql.write(
        found, user=user, merchant_id=merchant_id, location_id=location_id, now=now,
        summary=summary,
    )  # fmt: skip
    if redemption_id is None:
        raise _refused(AttemptOutcome.USED)
    return redemption_sql.redemption_of(
        found,
        redemption_id,
        user=user,
        code=code,
        merchant_id=merchant_id,
        location_id=location_id,
        now=now,
    )


def reverse(redemption: Redemption, *, acting_user, reason: str) -> Redemption:
    """The merchant undoes its own redemption within the window, with a reason; the voucher is
    void afterwards (staff may issue a replacement).  A statement already approved gets a
    negative line on the next statement (settlement.build_statement)."""
    require(acting_user, Perm.REDEEM_VOUCHERS)
    if merchant_of(acting_user) != redemption.merchant_id:
        raise PermissionDenied("只能冲正本商户的核销 / only your merchant's redemptions")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写冲正原因 / a reason is required", "reason")
    now = clock.now()
    hours = conf.get("REVERSAL_WINDOW_HOURS")
    if not rules.within_reversal_window(redemption.redeemed_at, now, hours):
        raise DomainError(
            "reversal_window",
            f"超过{hours}小时冲正期限 / past the {hours}-hour reversal window",
            status=409,
        )
    with transaction.atomic():
        moved = Redemption.objects.filter(
            pk=redemption.pk, status=RedemptionStatus.COMPLETED
        ).update(
            status=RedemptionStatus.REVERSED,
            reversed_at=now,
            reversed_by=acting_user,
            reversal_reason=reason[:255],
        )
        if moved != 1:
            raise DomainError("already_reversed", "该核销已冲正 / already reversed", status=409)
        Voucher.objects.filter(pk=redemption.voucher_id, status=VoucherStatus.REDEEMED).update(
            status=VoucherStatus.REVERSED
        )
        audit.record(acting_user, AuditLog.Action.UPDATE, redemption, summary=f"reversed: {reason}")
    redemption.refresh_from_db()
    return redemption
