"""Commission state changes: schedules (create, end), the monthly calculation (lines and
statements, clawbacks) and the statement's steps (approve, mark paid). One transaction each,
permission-checked (``MANAGE_PARTNERS``), audited. docs/commissions.md, ADR 0017."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q, Sum

from carecircle.core import audit, clock, dates, locks
from carecircle.core.access import in_subtree, unit_subtree_ids
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, OrgUnit, User
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.models import Partner
from carecircle.policies.choices import EndorsementKind, PolicyKind
from carecircle.policies.endorsements import unearned_premium
from carecircle.policies.models import Endorsement, Policy

from ..choices import AgreementStatus
from ..models import Agreement
from . import facts, rules
from .choices import LineKind, StatementStatus
from .models import CommissionAdjustment, CommissionLine, CommissionSchedule, CommissionStatement
from .terms import filed_rates


def _require(user) -> None:
    if not has_perm(user, Perm.MANAGE_PARTNERS):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")


# ------------------------------------------------------------------ schedules


def _adjustment(data: dict[str, Any]) -> rules.Adjustment:
    unknown = set(data) - {"segment", "basis", "band", "delta", "reason"}
    if unknown:
        raise ValueError(f"unknown adjustment fields {sorted(unknown)}")
    if not data.get("reason"):
        raise DomainError(
            "reason_required", "每条调整须写明理由 / every adjustment needs a reason", "reason"
        )
    if data.get("band") and not data.get("basis"):
        raise DomainError(
            "basis_required",
            "赔付率区间须指明是客户还是渠道 / a loss band needs its basis (customer or payee)",
            "basis",
        )
    return rules.Adjustment(
        delta=Decimal(str(data["delta"])),
        reason=str(data["reason"]),
        segment=data.get("segment", ""),
        basis=data.get("basis", ""),
        band=data.get("band", ""),
    )


def create_schedule(
    payee: Partner | User,
    *,
    acting_user: Any,
    line: str,
    base_rate: Decimal | str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    product: str = "",
    adjustments: list[dict[str, Any]] | None = None,
    unit: OrgUnit | None = None,
    notes: str = "",
) -> CommissionSchedule:
    """A schedule for a licensed partner or a sales agent, on one line, within the cap: the
    base and the worst case of its adjustments (报行合一). Periods of one payee's active
    schedules for the same line may not overlap."""
    _require(acting_user)
    if line not in PolicyKind.values:
        raise DomainError(
            "unknown_line", "险种须为交强险或商业险 / line must be 交强险 or 商业险", "line"
        )
    is_partner = isinstance(payee, Partner)
    if isinstance(payee, Partner):
        rules.check_payee_licence(payee.licensed)
    elif payee.role != Role.SALES_AGENT:
        raise DomainError(
            "not_an_agent",
            "仅销售代理人可按人设置手续费方案 / only a sales agent has a schedule of their own",
            "agent",
        )
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("period_reversed", "终止日早于起始日 / ends before it starts", "ends_on")
    base = Decimal(str(base_rate))
    adjusts = [_adjustment(a) for a in adjustments or []]
    rules.check_schedule(line, base, adjusts, rules.cap_for(line, filed_rates(), product))
    if unit is not None and not in_subtree(acting_user, unit.pk):
        raise PermissionDenied(f"签约机构 {unit.code} 不在您的管辖范围内 / unit outside your scope")
    unit_id = unit.pk if unit is not None else getattr(acting_user, "unit_id", None)
    who = {"partner": payee} if is_partner else {"agent": payee}
    with transaction.atomic():
        locks.lock(Partner if is_partner else User, pk=payee.pk)
        clash = CommissionSchedule.objects.filter(**who, line=line, active=True).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
        )
        if ends_on is not None:
            clash = clash.filter(starts_on__lte=ends_on)
        if clash.exists():
            raise DomainError(
                "schedule_overlaps",
                f"与生效方案 {clash.first()} 期间重叠 / overlaps an active schedule",
                "starts_on",
                status=409,
            )
        schedule = CommissionSchedule.objects.create(
            **who,
            line=line,
            product=product,
            base_rate=base,
            starts_on=starts_on,
            ends_on=ends_on,
            unit_id=unit_id,
            notes=notes,
            created_by=acting_user,
        )
        CommissionAdjustment.objects.bulk_create(
            CommissionAdjustment(
                schedule=schedule,
                segment=a.segment,
                basis=a.basis,
                band=a.band,
                delta=a.delta,
                reason=a.reason,
            )
            for a in adjusts
        )
        audit.record(acting_user, AuditLog.Action.CREATE, schedule, summary=str(schedule))
        return schedule


def end_schedule(
    schedule: CommissionSchedule, *, acting_user: Any, on: dt.date
) -> CommissionSchedule:
    _require(acting_user)
    if not CommissionSchedule.objects.restrict(acting_user).filter(pk=schedule.pk).exists():
        raise PermissionDenied("该方案不在您的管辖范围内 / this schedule is outside your scope")
    with transaction.atomic():
        schedule = locks.lock(CommissionSchedule, pk=schedule.pk)
        before = schedule.ends_on
        schedule.ends_on = max(schedule.starts_on, min(schedule.ends_on or on, on))
        schedule.save(update_fields=["ends_on", "updated_at"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            schedule,
            changes=audit.diff({"ends_on": before}, {"ends_on": schedule.ends_on}),
        )
        return schedule


# ------------------------------------------------------------------ the monthly calculation


@dataclass
class Report:
    """What one run did (``carecircle ecosystem commissions``; the JSON is ``as_dict``)."""

    month: dt.date
    written: int = 0  # commission lines added
    clawbacks: int = 0  # clawback lines added
    no_terms: int = 0  # policies of the month whose payee has no commission terms
    refused: list[dict[str, str]] = field(default_factory=list)
    statements: list[CommissionStatement] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": f"{self.month:%Y-%m}",
            "lines_added": self.written,
            "clawbacks_added": self.clawbacks,
            "no_terms": self.no_terms,
            "refused": self.refused,
            "statements": [
                {
                    "statement_no": s.statement_no,
                    "month": f"{s.month:%Y-%m}",
                    "payee": s.payee_name,
                    "status": s.status,
                    "lines": s.lines_count,
                    "premium": str(s.premium),
                    "total": str(s.total),
                }
                for s in self.statements
            ],
            "total": str(sum((s.total for s in self.statements), ZERO)),
        }


@dataclass(frozen=True)
class Terms:
    """What a payee earns on one line: a schedule's, or an agreement's base rate."""

    base: Decimal
    adjustments: tuple[rules.Adjustment, ...]
    product: str
    unit_id: int | None
    schedule: CommissionSchedule | None = None
    agreement: Agreement | None = None


def _payee(policy: Policy) -> tuple[str, int] | None:
    """A policy's commission goes to the partner who brought it, else to the sales agent
    who sold it; seats and direct business earn none."""
    if policy.partner_id:
        return ("partner", policy.partner_id)
    if policy.agent_id and policy.agent.role == Role.SALES_AGENT:  # type: ignore[union-attr]
        return ("agent", policy.agent_id)
    return None


class _TermsBook:
    """The schedules and agreements of a month's payees, read once."""

    def __init__(self, month: dt.date, partner_ids: set[int], agent_ids: set[int]) -> None:
        after = dates.next_month(month)
        self.schedules: dict[tuple[str, int, str], list[CommissionSchedule]] = defaultdict(list)
        live = (
            CommissionSchedule.objects.filter(active=True, starts_on__lt=after)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=month))
            .filter(Q(partner_id__in=partner_ids) | Q(agent_id__in=agent_ids))
            .prefetch_related("adjustments")
            .order_by("-starts_on")
        )
        for s in live:
            key = ("partner", s.partner_id) if s.partner_id else ("agent", s.agent_id)
            self.schedules[(*key, s.line)].append(s)  # type: ignore[arg-type]
        self.agreements: dict[int, list[Agreement]] = defaultdict(list)
        for a in Agreement.objects.filter(
            partner_id__in=partner_ids,
            status=AgreementStatus.ACTIVE,
            starts_on__lt=after,
            ends_on__gte=month,
        ).order_by("-starts_on"):
            self.agreements[a.partner_id].append(a)

    def terms(self, payee: tuple[str, int], line: str, day: dt.date) -> Terms | None:
        for s in self.schedules.get((*payee, line), []):
            if s.starts_on <= day and (s.ends_on is None or s.ends_on >= day):
                adjusts = tuple(
                    rules.Adjustment(a.delta, a.reason, a.segment, a.basis, a.band)
                    for a in s.adjustments.all()
                )
                return Terms(s.base_rate, adjusts, s.product, s.unit_id, schedule=s)
        if payee[0] != "partner":
            return None
        for a in self.agreements.get(payee[1], []):
            if a.starts_on <= day <= a.ends_on:
                rate = (
                    a.compulsory_commission_rate
                    if line == PolicyKind.COMPULSORY
                    else a.commission_rate
                )
                if rate:
                    return Terms(rate, (), "", a.unit_id, agreement=a)
        return None


def _statement_no(payee: tuple[str, int], month: dt.date) -> str:
    return f"CM{month:%Y%m}-{'P' if payee[0] == 'partner' else 'A'}{payee[1]:06d}"


class _Statements:
    """The draft statements a run writes to: a payee's statement of the month, or — when
    that one is already approved or paid — of the first later month still open."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int, dt.date], CommissionStatement] = {}
        self.touched: dict[int, CommissionStatement] = {}

    def open_for(self, payee: tuple[str, int], month: dt.date, unit_id: int | None):
        while True:
            key = (*payee, month)
            statement = self.cache.get(key)
            if statement is None:
                statement, _ = CommissionStatement.objects.select_for_update().get_or_create(
                    **{f"{payee[0]}_id": payee[1]},
                    month=month,
                    defaults={"statement_no": _statement_no(payee, month), "unit_id": unit_id},
                )
                self.cache[key] = statement
            if statement.status == StatementStatus.DRAFT:
                self.touched[statement.pk] = statement
                return statement
            month = dates.next_month(month)


def _refund(policy: Policy) -> Decimal:
    """The premium refunded on cancellation: the cancellation endorsement's refund, else
    the unearned premium by the day (policies.endorsements)."""
    endorsement = (
        Endorsement.objects.filter(policy=policy, kind=EndorsementKind.CANCELLATION)
        .exclude(refund__isnull=True)
        .order_by("-effective_on")
        .first()
    )
    if endorsement is not None:
        return endorsement.refund  # type: ignore[return-value]
    assert policy.cancelled_on is not None
    return unearned_premium(
        policy.premium, policy.effective_date, policy.expiry_date, policy.cancelled_on
    )


def _who(policy: Policy) -> str:
    return f"{policy.policy_no}: "


def _require_whole_book(user) -> None:
    """The monthly run calculates every payee's statement, company-wide: head office only."""
    _require(user)
    if unit_subtree_ids(user) is not None:
        raise PermissionDenied(
            "月度手续费计算由总公司执行 / the monthly commission run is for head office"
        )


def _first_month_run(month: dt.date) -> dt.date:
    """The first month the commission book was ever run (``month`` before any run): late
    policies are picked up from there on, never from before the book began."""
    first = CommissionStatement.objects.aggregate(m=Min("month"))["m"]
    return min(first, month) if first is not None else month


def _late(day: dt.date, month: dt.date, what: str) -> str:
    if day >= month:
        return ""
    return f"；{day:%Y-%m} {what}，迟到补计 / late: dated {day:%Y-%m}, before {month:%Y-%m}"


def calculate_month(month: dt.date, *, acting_user: Any = None) -> Report:
    """Commission lines for the policies that took effect up to the end of ``month`` and
    clawbacks for those cancelled up to then, on each payee's draft statement of ``month``.
    A policy keyed in (or cancelled) late, dated into a month already run, is picked up by
    the next run with a reason saying so (policies from before the first month ever run are
    not). Idempotent: a policy earns once and is clawed back once, so a second run adds
    nothing. A policy whose rate is refused (above the cap, an unlicensed partner) gets no
    line and is listed in the report. Runs are serialised (a transaction-wide lock on the
    month, PostgreSQL); one that still collides is refused with ``run_conflict`` (409)."""
    if acting_user is not None:
        _require_whole_book(acting_user)
    month = dates.first_of(month)
    try:
        return _calculate(month, acting_user)
    except IntegrityError as exc:
        raise DomainError(
            "run_conflict",
            f"{month:%Y-%m} 的手续费正在由他人计算，请稍后重试 / "
            f"{month:%Y-%m} is being calculated by someone else: try again in a moment",
            "month",
            status=409,
        ) from exc


def _run_lock(month: dt.date) -> None:
    """One run at a time (every month's run writes the same statements): a PostgreSQL
    transaction-level advisory lock; SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


RUN_LOCK = 0x16C0_3315  # the monthly commission run's advisory-lock key (issue #16)


def _calculate(month: dt.date, acting_user: Any) -> Report:
    after = dates.next_month(month)
    report = Report(month)
    with transaction.atomic():
        _run_lock(month)
        since = _first_month_run(month)
        written = list(
            Policy.objects.filter(
                effective_date__gte=since, effective_date__lt=after, premium__gt=0
            )
            .exclude(commission_lines__kind=LineKind.COMMISSION)
            .select_related("agent", "partner", "customer")
            .order_by("effective_date", "pk")
        )
        payees = {p.pk: _payee(p) for p in written}
        partner_ids = {v[1] for v in payees.values() if v and v[0] == "partner"}
        agent_ids = {v[1] for v in payees.values() if v and v[0] == "agent"}
        book = _TermsBook(month, partner_ids, agent_ids)
        customer_band = facts.customer_bands((p.customer_id for p in written), month)
        partner_band, agent_band = facts.payee_bands(partner_ids, agent_ids, month)
        statements = _Statements()
        rates = filed_rates()
        lines = []
        for policy in written:
            payee = payees[policy.pk]
            terms = book.terms(payee, policy.kind, policy.effective_date) if payee else None
            if terms is None:
                report.no_terms += 1
                continue
            try:
                if payee[0] == "partner":  # type: ignore[index]
                    rules.check_payee_licence(policy.partner.licensed)  # type: ignore[union-attr]
                segment = rules.segment_of(
                    policy.renews_id, policy.customer.first_insured_on, policy.effective_date
                )
                bands = partner_band if payee[0] == "partner" else agent_band  # type: ignore[index]
                fact = rules.Facts(
                    segment,
                    customer_band.get(policy.customer_id, "none"),
                    bands.get(payee[1], "none"),  # type: ignore[index]
                )
                rate = rules.rate_for(
                    policy.kind,
                    terms.base,
                    terms.adjustments,
                    fact,
                    rules.cap_for(policy.kind, rates, terms.product),
                    who=_who(policy),
                )
            except DomainError as error:
                report.refused.append(
                    {"policy_no": policy.policy_no, "code": error.code, "message": error.message}
                )
                continue
            if not rate.rate:
                report.no_terms += 1
                continue
            statement = statements.open_for(payee, month, terms.unit_id)  # type: ignore[arg-type]
            late = (
                ""
                if statement.month == month
                else (
                    f"；{month:%Y-%m} 结算单已审批，计入本月 / {month:%Y-%m}'s statement was closed"
                )
            )
            lines.append(
                CommissionLine(
                    statement=statement,
                    policy=policy,
                    kind=LineKind.COMMISSION,
                    line=policy.kind,
                    segment=segment,
                    premium=policy.premium,
                    rate=rate.rate,
                    amount=rules.commission(policy.premium, rate.rate),
                    reason=(rate.reason + _late(policy.effective_date, month, "生效") + late)[:500],
                    schedule=terms.schedule,
                    agreement=terms.agreement,
                    written_on=policy.effective_date,
                )
            )
        CommissionLine.objects.bulk_create(lines, batch_size=2000)
        report.written = len(lines)

        cancelled = (
            CommissionLine.objects.filter(
                kind=LineKind.COMMISSION,
                policy__cancelled_on__lt=after,
            )
            .exclude(policy__commission_lines__kind=LineKind.CLAWBACK)
            .select_related("policy", "statement")
        )
        backs = []
        for earned in cancelled:
            policy = earned.policy
            refund = min(_refund(policy), policy.premium)
            payee = (
                ("partner", earned.statement.partner_id)
                if earned.statement.partner_id
                else ("agent", earned.statement.agent_id)
            )
            statement = statements.open_for(payee, month, earned.statement.unit_id)  # type: ignore[arg-type]
            backs.append(
                CommissionLine(
                    statement=statement,
                    policy=policy,
                    kind=LineKind.CLAWBACK,
                    line=earned.line,
                    segment=earned.segment,
                    premium=refund,
                    rate=earned.rate,
                    amount=rules.clawback(refund, earned.rate),
                    reason=(
                        f"{policy.cancelled_on} 退保，退还保费 ¥{refund} × {rules.pct(earned.rate)} "
                        f"追回 / cancelled, the refunded premium × the rate paid"
                        + _late(policy.cancelled_on, month, "退保")  # type: ignore[arg-type]
                    )[:500],
                    schedule=earned.schedule,
                    agreement=earned.agreement,
                    written_on=policy.cancelled_on,  # type: ignore[arg-type]
                )
            )
        CommissionLine.objects.bulk_create(backs, batch_size=2000)
        report.clawbacks = len(backs)

        for statement in statements.touched.values():
            _retotal(statement)
        # The month's statements (all of them, so a rerun prints the same figures) and any
        # later one a late line went to.
        shown = {
            s.pk: s
            for s in CommissionStatement.objects.filter(month=month).select_related(
                "partner", "agent"
            )
        }
        shown.update(statements.touched)
        report.statements = sorted(shown.values(), key=lambda s: (s.month, s.statement_no))
        if report.written or report.clawbacks:
            audit.record(
                acting_user,
                AuditLog.Action.CREATE,
                object_type="ecosystem.commissionstatement",
                object_id=f"{month:%Y-%m}",
                summary=(
                    f"commissions {month:%Y-%m}: {report.written} lines, "
                    f"{report.clawbacks} clawbacks, {len(report.refused)} refused"
                ),
            )
    return report


def _retotal(statement: CommissionStatement) -> None:
    """A statement's figures are its lines' sums (never kept apart from them)."""
    sums = statement.lines.aggregate(
        n=Count("id"),
        total=Sum("amount"),
        premium=Sum("premium", filter=Q(kind=LineKind.COMMISSION)),
    )
    clawed = statement.lines.filter(kind=LineKind.CLAWBACK).aggregate(p=Sum("premium"))["p"] or 0
    statement.lines_count = sums["n"]
    statement.total = to_money(sums["total"] or 0)
    statement.premium = to_money((sums["premium"] or 0) - clawed)
    statement.save(update_fields=["lines_count", "total", "premium", "updated_at"])


# ------------------------------------------------------------------ the statement's steps


def _step(statement: CommissionStatement, acting_user: Any, want: str, to: str, **more: Any):
    _require(acting_user)
    if not CommissionStatement.objects.restrict(acting_user).filter(pk=statement.pk).exists():
        raise PermissionDenied("该结算单不在您的管辖范围内 / this statement is outside your scope")
    with transaction.atomic():
        statement = locks.lock(CommissionStatement, pk=statement.pk)
        if statement.status != want:
            raise DomainError(
                "wrong_status",
                f"结算单状态为 {statement.get_status_display()} / the statement is {statement.status}",
                "status",
                status=409,
            )
        statement.status = to
        for name, value in more.items():
            setattr(statement, name, value)
        statement.save(update_fields=["status", *more, "updated_at"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            statement,
            changes={"status": [want, to]},
            summary=f"{statement} {want} → {to}",
        )
        return statement


def approve(statement: CommissionStatement, *, acting_user: Any) -> CommissionStatement:
    """draft → approved: its lines are fixed; later policies go on a later statement."""
    return _step(
        statement,
        acting_user,
        StatementStatus.DRAFT,
        StatementStatus.APPROVED,
        approved_by=acting_user,
        approved_at=clock.now(),
    )


def mark_paid(
    statement: CommissionStatement, *, acting_user: Any, payment_ref: str = ""
) -> CommissionStatement:
    """approved → paid (the payment's reference kept)."""
    return _step(
        statement,
        acting_user,
        StatementStatus.APPROVED,
        StatementStatus.PAID,
        paid_by=acting_user,
        paid_at=clock.now(),
        payment_ref=payment_ref[:64],
    )
