"""State changes of the alliance. Each runs in one transaction, checks permission and writes
the audit record; refusals of a redemption are logged outside the transaction so they stay.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer, Partner
from carecircle.policies.models import Policy
from carecircle.value.models import CustomerValue

from . import conf, redemption_sql, rules
from .choices import (
    AttemptOutcome,
    BookingStatus,
    IssueSource,
    LineKind,
    RedemptionStatus,
    StatementStatus,
    VoucherStatus,
)
from .models import (
    Booking,
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    Rating,
    Redemption,
    RedemptionAttempt,
    ServiceProduct,
    Statement,
    StatementLine,
    Voucher,
    merchant_of,
)

log = logging.getLogger("carecircle.alliance")

REFUSAL_STATUS: dict[str, int] = {AttemptOutcome.RATE_LIMITED: 429, AttemptOutcome.UNKNOWN: 404}


def _require(user, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied("无权执行此操作 / you are not allowed to do this")


def _refused(outcome: str) -> DomainError:
    return DomainError(
        outcome, rules.REFUSAL_MESSAGES[outcome], "code", status=REFUSAL_STATUS.get(outcome, 409)
    )


# ----------------------------------------------------------------------------- issuing


def _new_voucher(**fields: Any) -> Voucher:
    """Create with a fresh code; a (2^-55-rare) code collision is retried with another."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Voucher.objects.create(code=rules.new_code(), **fields)
        except IntegrityError:
            if (
                fields.get("entitlement_seq")
                and Voucher.objects.filter(
                    policy=fields["policy"],
                    package=fields["package"],
                    product=fields["product"],
                    entitlement_seq=fields["entitlement_seq"],
                ).exists()
            ):
                raise
    raise RuntimeError("could not draw a free voucher code")


def issue_manual(
    customer: Customer,
    product: ServiceProduct,
    *,
    acting_user,
    reason: str,
    valid_until: dt.date | None = None,
    policy: Policy | None = None,
) -> Voucher:
    """Staff issue a voucher by hand (goodwill, complaint recovery, a renewal offer)."""
    _require(acting_user, Perm.ISSUE_VOUCHERS)
    if not Customer.objects.restrict(acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied("无权为该客户发券 / not your customer")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写发放原因 / a reason is required", "reason")
    if not product.active:
        raise DomainError("product_inactive", "该服务已停用 / this service is inactive", "product")
    today = clock.today()
    valid_until = valid_until or today + dt.timedelta(days=365)
    if valid_until < today:
        raise DomainError(
            "valid_until_past",
            "有效期不能早于今天 / validity cannot end before today",
            "valid_until",
        )
    with transaction.atomic():
        voucher = _new_voucher(
            customer=customer,
            policy=policy,
            product=product,
            source=IssueSource.MANUAL,
            reason=reason[:255],
            issued_by=acting_user,
            issued_at=clock.now(),
            valid_from=today,
            valid_until=valid_until,
        )
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            voucher,
            summary=f"manual voucher {product.code} for {customer.customer_no}: {reason}"[:255],
        )
    return voucher


def current_tier(customer_id: int) -> str:
    tier = (
        CustomerValue.objects.current()
        .filter(customer_id=customer_id)
        .values_list("tier", flat=True)
        .first()
    )
    return tier or "standard"


def policy_facts(policy: Policy, tier: str | None = None) -> rules.PolicyFacts:
    return rules.PolicyFacts(
        tier=tier or current_tier(policy.customer_id),
        riders=frozenset(policy.coverages.values_list("code", flat=True)),
        vehicle_use=policy.vehicle.use,
        new_energy=policy.vehicle.new_energy,
        channel=policy.channel,
        effective_date=policy.effective_date,
    )


def package_rule(package: EntitlementPackage) -> rules.PackageRule:
    return rules.PackageRule(
        min_tier=package.min_tier,
        rider=package.rider,
        vehicle_use=package.vehicle_use,
        new_energy_only=package.new_energy_only,
        channel=package.channel,
        policy_starts_from=package.policy_starts_from,
        policy_starts_until=package.policy_starts_until,
    )


def issue_for_policy(policy: Policy, *, acting_user=None) -> list[Voucher]:
    """The policy year's vouchers from every package that applies (idempotent: a voucher's
    policy, package, product and n-th use are unique together, so a rerun or a tier change issues only
    what is missing).  Commercial policies only; called on policy start or tier change."""
    if policy.kind != "commercial" or policy.cancelled_on is not None:
        return []
    today = clock.today()
    if policy.expiry_date <= today:
        return []
    facts = policy_facts(policy)
    valid_from, valid_until = rules.voucher_validity(
        policy.effective_date, policy.expiry_date, today
    )
    packages = EntitlementPackage.objects.filter(active=True).prefetch_related("items__product")
    wanted: dict[tuple[int, int, int], tuple[EntitlementPackage, ServiceProduct]] = {}
    for package in packages:
        if not rules.package_applies(package_rule(package), facts):
            continue
        for item in package.items.all():
            if not item.product.active:
                continue
            for n in range(1, item.quantity + 1):
                wanted[(package.pk, item.product_id, n)] = (
                    package,
                    item.product,
                )
    existing = set(
        Voucher.objects.filter(policy=policy, entitlement_seq__isnull=False).values_list(
            "package_id", "product_id", "entitlement_seq"
        )
    )
    created = []
    with transaction.atomic():
        for key, (package, product) in wanted.items():
            if key in existing:
                continue
            created.append(
                _new_voucher(
                    customer_id=policy.customer_id,
                    policy=policy,
                    product=product,
                    package=package,
                    source=IssueSource.ENTITLEMENT,
                    entitlement_seq=key[2],
                    issued_by=acting_user if getattr(acting_user, "pk", None) else None,
                    issued_at=clock.now(),
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            )
        if created:
            audit.record(
                acting_user,
                AuditLog.Action.CREATE,
                policy,
                object_type="alliance.voucher",
                summary=f"{len(created)} entitlement vouchers for policy {policy.policy_no}",
            )
    return created


def cancel_voucher(voucher: Voucher, *, acting_user, reason: str) -> Voucher:
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    if not (reason or "").strip():
        raise DomainError("reason_required", "请填写原因 / a reason is required", "reason")
    with transaction.atomic():
        moved = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED).update(
            status=VoucherStatus.CANCELLED
        )
        if not moved:
            raise DomainError(
                "not_cancellable", "只能作废未使用的券 / only unused vouchers can be cancelled"
            )
        audit.record(acting_user, AuditLog.Action.UPDATE, voucher, summary=f"cancel: {reason}")
    voucher.refresh_from_db()
    return voucher


def expire_vouchers(today: dt.date | None = None) -> int:
    """Nightly: issued vouchers past their last day become expired (one UPDATE)."""
    today = today or clock.today()
    return Voucher.objects.filter(status=VoucherStatus.ISSUED, valid_until__lt=today).update(
        status=VoucherStatus.EXPIRED
    )


# ----------------------------------------------------------------------------- redemption


def _guess_brake(user, merchant_id: int | None, now: dt.datetime, failures: int) -> None:
    """Refuse (429) once the user has ``GUESS_LIMIT`` refused codes in the window; the count
    comes with the voucher lookup (redemption_sql.look_up), so the brake costs no query."""
    if failures < conf.get("GUESS_LIMIT"):
        return
    RedemptionAttempt.objects.create(
        user=user,
        merchant_id=merchant_id,
        at=now,
        code_tried="",
        outcome=AttemptOutcome.RATE_LIMITED,
    )
    if failures == conf.get("GUESS_LIMIT"):  # audit once per burst, not per attempt
        audit.record(
            user,
            AuditLog.Action.DENIED,
            object_type="alliance.redemption",
            summary=f"code guessing brake: {failures} refused codes in the window",
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
    _require(acting_user, Perm.REDEEM_VOUCHERS)
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
        _guess_brake(user, merchant_id, now, redemption_sql.refusals_only(user.pk, now, window))
        raise _refused(AttemptOutcome.TYPO)
    found = redemption_sql.look_up(
        code,
        user_id=user.pk,
        merchant_id=merchant_id,
        location_id=location_id,
        now=now,
        window_minutes=window,
    )
    _guess_brake(user, merchant_id, now, found.failures)
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
    _require(acting_user, Perm.REDEEM_VOUCHERS)
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


# ----------------------------------------------------------------------------- customers


def book(voucher: Voucher, location: MerchantLocation, day: dt.date, *, acting_user) -> Booking:
    """A customer books a visit for one of their vouchers at a location offering the service."""
    if getattr(acting_user, "customer_id", None) != voucher.customer_id and not has_perm(
        acting_user, Perm.ISSUE_VOUCHERS
    ):
        raise PermissionDenied("只能预约自己的服务券 / only your own vouchers")
    if voucher.status != VoucherStatus.ISSUED:
        raise DomainError("not_bookable", "该券不可预约 / this voucher cannot be booked")
    if not (voucher.valid_from <= day <= voucher.valid_until) or day < clock.today():
        raise DomainError("day", "日期不在有效期内 / the day is outside the validity", "day")
    if not MerchantOffer.objects.filter(
        merchant_id=location.merchant_id, product_id=voucher.product_id, active=True
    ).exists():
        raise DomainError("location", "该门店不提供此服务 / not offered there", "location")
    with transaction.atomic():
        taken = (
            Booking.objects.select_for_update()
            .filter(location=location, day=day, status=BookingStatus.BOOKED)
            .count()
        )
        if taken >= location.daily_capacity:
            raise DomainError("full", "当日已约满 / fully booked that day", "day", status=409)
        booking = Booking.objects.create(
            voucher=voucher, merchant_id=location.merchant_id, location=location, day=day
        )
        audit.record(acting_user, AuditLog.Action.CREATE, booking, summary=f"booking {day}")
    return booking


def mark_booking(booking: Booking, status: str, *, acting_user) -> Booking:
    """The merchant marks a booking attended or no-show (the no-show rate)."""
    if merchant_of(acting_user) != booking.merchant_id:
        raise PermissionDenied("只能处理本商户的预约 / only your merchant's bookings")
    if status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        raise DomainError("status", "状态无效 / invalid status", "status")
    if status == BookingStatus.NO_SHOW and clock.today() < booking.day:
        # a visit cannot be missed before its day (no-shows weigh on the merchant's review)
        raise DomainError(
            "too_early", "预约日之前不能标记爽约 / not a no-show before the booked day", "status"
        )
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=status
        ):
            raise DomainError("booking_closed", "预约已处理 / booking already closed", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, booking, summary=status)
    booking.refresh_from_db()
    return booking


def rate(
    redemption: Redemption, stars: int, *, acting_user, complaint: bool = False, comment: str = ""
) -> Rating:
    if getattr(acting_user, "customer_id", None) != redemption.voucher.customer_id:
        raise PermissionDenied("只能评价自己的服务 / only your own services")
    if not 1 <= int(stars) <= 5:
        raise DomainError("stars", "评分为1-5星 / 1 to 5 stars", "stars")
    if redemption.status != RedemptionStatus.COMPLETED:
        raise DomainError(
            "not_rateable", "已冲正的服务不能评价 / a reversed service cannot be rated", status=409
        )
    with transaction.atomic():
        rating, _ = Rating.objects.update_or_create(
            redemption=redemption,
            defaults={
                "merchant_id": redemption.merchant_id,
                "stars": int(stars),
                "complaint": bool(complaint),
                "comment": (comment or "")[:255],
            },
        )
        audit.record(acting_user, AuditLog.Action.CREATE, rating, summary=f"{stars} stars")
    return rating


# ----------------------------------------------------------------------------- settlement


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(month, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(rules.next_month(month), dt.time(), tzinfo=tz)
    return start, end


LOCKED = (StatementStatus.APPROVED, StatementStatus.PAID)


def _retotal(statement: Statement) -> None:
    agg = statement.lines.aggregate(total=Sum("amount"))
    statement.total = to_money(agg["total"] or ZERO)
    statement.lines_count = statement.lines.count()
    statement.save(update_fields=["total", "lines_count", "updated_at"])


def build_statement(merchant: Partner, month: dt.date, *, acting_user) -> Statement:
    """(Re)compute a merchant's statement for a month; idempotent while it is open.

    - redemption lines (+ agreed price): redemptions in the month, not reversed, not already on
      another statement;
    - reversal lines (−): redemptions reversed before the month ends whose redemption line sits
      on an approved statement — the adjustment, so nothing is paid twice or clawed back twice;
    - adjustment lines (people's) are kept.
    Approved and exported statements are locked."""
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    month = rules.month_start(month)
    start, end = month_bounds(month)
    with transaction.atomic():
        statement, _ = Statement.objects.select_for_update().get_or_create(
            merchant=merchant, month=month
        )
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status in LOCKED:
            raise DomainError(
                "statement_locked",
                "对账单已审批，不能重算 / approved statements are locked",
                status=409,
            )
        statement.lines.exclude(kind=LineKind.ADJUSTMENT).delete()
        elsewhere = StatementLine.objects.exclude(statement=statement)
        fresh = (
            Redemption.objects.filter(
                merchant=merchant,
                redeemed_at__gte=start,
                redeemed_at__lt=end,
                status=RedemptionStatus.COMPLETED,
            )
            .exclude(pk__in=elsewhere.filter(kind=LineKind.REDEMPTION).values("redemption_id"))
            .values_list("pk", "agreed_price")
        )
        lines = [
            StatementLine(statement=statement, kind=LineKind.REDEMPTION, redemption_id=pk, amount=p)
            for pk, p in fresh
        ]
        paid_elsewhere = elsewhere.filter(
            kind=LineKind.REDEMPTION, statement__status__in=LOCKED
        ).values("redemption_id")
        clawbacks = (
            Redemption.objects.filter(
                merchant=merchant,
                status=RedemptionStatus.REVERSED,
                reversed_at__lt=end,
                pk__in=paid_elsewhere,
            )
            .exclude(pk__in=elsewhere.filter(kind=LineKind.REVERSAL).values("redemption_id"))
            .values_list("pk", "agreed_price")
        )
        lines += [
            StatementLine(
                statement=statement,
                kind=LineKind.REVERSAL,
                redemption_id=pk,
                amount=-p,
                note="冲正 / reversal",
            )
            for pk, p in clawbacks
        ]
        StatementLine.objects.bulk_create(lines)
        _retotal(statement)
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            statement,
            summary=f"computed: {statement.lines_count} lines, ¥{statement.total}",
        )
    return statement


def build_statements(month: dt.date, *, acting_user) -> list[Statement]:
    """Every merchant with redemptions (or reversals) up to the month's end, open months only."""
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    start, end = month_bounds(rules.month_start(month))
    merchants = Partner.objects.filter(
        Q(alliance_redemptions__redeemed_at__gte=start, alliance_redemptions__redeemed_at__lt=end)
        | Q(
            alliance_redemptions__reversed_at__gte=start,
            alliance_redemptions__reversed_at__lt=end,
        )
    ).distinct()
    out = []
    for merchant in merchants:
        existing = Statement.objects.filter(merchant=merchant, month=rules.month_start(month))
        if existing.filter(status__in=LOCKED).exists():
            continue
        out.append(build_statement(merchant, month, acting_user=acting_user))
    return out


def dispute(statement: Statement, reason: str, *, acting_user) -> Statement:
    """The merchant disputes its statement (a missing or wrong line) before approval."""
    if merchant_of(acting_user) != statement.merchant_id:
        raise PermissionDenied("只能对本商户的对账单提出异议 / only your merchant's statements")
    if not (reason or "").strip():
        raise DomainError("reason_required", "请填写异议原因 / a reason is required", "reason")
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.DRAFT).update(
            status=StatementStatus.DISPUTED, dispute_reason=reason.strip()[:255]
        ):
            raise DomainError("not_open", "对账单已审批 / statement is not open", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary=f"dispute: {reason}")
    statement.refresh_from_db()
    return statement


def adjust(statement: Statement, amount: Decimal | str, note: str, *, acting_user) -> Statement:
    """A person's correction (±) on an open statement; resolves a dispute."""
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    value = to_money(amount)
    if value == ZERO or not (note or "").strip():
        raise DomainError(
            "adjustment", "调整需金额与说明 / an adjustment needs an amount and a note", "amount"
        )
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status in LOCKED:
            raise DomainError("statement_locked", "对账单已审批 / statement is locked", status=409)
        StatementLine.objects.create(
            statement=statement,
            kind=LineKind.ADJUSTMENT,
            amount=value,
            note=note.strip()[:255],
            created_by=acting_user,
        )
        statement.status = StatementStatus.DRAFT
        statement.save(update_fields=["status", "updated_at"])
        _retotal(statement)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary=f"adjust ¥{value}")
    return statement


def approve(statement: Statement, *, acting_user) -> Statement:
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.DRAFT).update(
            status=StatementStatus.APPROVED, approved_by=acting_user, approved_at=clock.now()
        ):
            raise DomainError(
                "not_approvable",
                "仅草稿可审批（异议须先调整解决）/ only a draft can be approved (resolve disputes first)",
                status=409,
            )
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary="approved")
    statement.refresh_from_db()
    return statement


def mark_paid(statement: Statement, *, acting_user) -> Statement:
    _require(acting_user, Perm.MANAGE_ALLIANCE)
    with transaction.atomic():
        if not Statement.objects.filter(pk=statement.pk, status=StatementStatus.APPROVED).update(
            status=StatementStatus.PAID
        ):
            raise DomainError("not_approved", "须先审批 / approve it first", status=409)
        audit.record(acting_user, AuditLog.Action.UPDATE, statement, summary="exported for payment")
    statement.refresh_from_db()
    return statement
