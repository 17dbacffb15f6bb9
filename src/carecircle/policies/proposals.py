"""Proposals (投保单): a quoted renewal becomes a proposal the customer pays; paid, it issues
the policies (见费出单). docs/payments.md.

These functions do not check the caller's permission: renewals (the only caller today) checks
that its seat works the task, and the payment side acts for the gateway, not for a person.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle.core import audit, clock, handoff, locks
from carecircle.core.dates import add_months
from carecircle.core.errors import DomainError
from carecircle.core.handoff import Event
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money

from . import rules
from .choices import PolicyKind
from .models import Coverage, Policy
from .models_proposals import (
    Proposal,
    ProposalCoverage,
    ProposalPolicy,
    ProposalStatus,
)
from .payments import conf
from .services import policy_written
from .units import first_unit, settle_customer_unit

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QuotedPolicy:
    """One policy of the offer: the old policy it renews and the quoted figures."""

    renews: Policy
    premium: Decimal
    vehicle_tax: Decimal | None = None  # 车船税, only with 交强险
    ncd_level: int | None = None
    ncd_coefficient: Decimal | None = None
    pricing_coefficient: Decimal | None = None
    traffic_violation_coefficient: Decimal = Decimal("1.000")


def scale_premiums(premiums: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Last year's coverage premiums rescaled to this year's ``total``, to the cent: each
    share is rounded down and the cents left over go to the largest remainders, so the
    coverages add up to the quoted premium exactly (``rules.check_coverage_total``). All zero
    last year: the whole premium goes on the first coverage."""
    total = to_money(total)
    if not premiums:
        return []
    old_total = sum(premiums, Decimal(0))
    if old_total <= 0:
        return [total] + [ZERO] * (len(premiums) - 1)
    exact = [p * total / old_total for p in premiums]
    floors = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    left = int(((total - sum(floors, Decimal(0))) / CENT).to_integral_value())
    by_remainder = sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))
    for i in by_remainder[:left]:
        floors[i] += CENT
    return floors


def offer_expiry(
    now: dt.datetime, old_expiry: dt.date, offer_days: int, grace_days: int
) -> dt.datetime:
    """The offer stays open ``offer_days``, never past the old cover's end (00:00 on its
    expiry date, local time) plus ``grace_days``."""
    cover_ends = timezone.make_aware(
        dt.datetime.combine(old_expiry + dt.timedelta(days=grace_days), dt.time.min)
    )
    return min(now + dt.timedelta(days=offer_days), cover_ends)


def _copied_coverages(old: Policy, premium: Decimal) -> list[tuple[str, Decimal | None, Decimal]]:
    """(code, limit, premium) for the new year: last year's coverages and service riders,
    premiums rescaled to the quoted premium. 交强险 without coverage rows gets its one."""
    coverages = list(old.coverages.order_by("pk"))
    if not coverages:
        if old.kind == PolicyKind.COMPULSORY:
            return [("compulsory", None, to_money(premium))]
        return []
    scaled = scale_premiums([c.premium for c in coverages], premium)
    return [(c.code, c.limit, p) for c, p in zip(coverages, scaled, strict=True)]


def _check_quoted(quoted: Sequence[QuotedPolicy]) -> None:
    if not quoted:
        raise DomainError("no_policies", "投保单须至少包含一张保单 / nothing to propose")
    kinds = [q.renews.kind for q in quoted]
    if len(set(kinds)) != len(kinds) or len({q.renews.vehicle_id for q in quoted}) != 1:
        raise DomainError(
            "proposal_policies",
            "投保单每个险种一张、同一车辆 / one policy per kind, all on one vehicle",
        )
    for q in quoted:
        if q.vehicle_tax and q.renews.kind != PolicyKind.COMPULSORY:
            raise DomainError(
                "vehicle_tax_with_compulsory",
                "车船税随交强险代收 / the vehicle tax is collected with 交强险",
            )
        elsewhere = Policy.objects.filter(renews=q.renews).first()
        if elsewhere is not None:
            raise DomainError(
                "already_renewed",
                f"该保单已由{elsewhere.get_channel_display()}续保（{elsewhere.policy_no}）/ "
                f"already renewed through {elsewhere.channel} as {elsewhere.policy_no}",
                status=409,
            )


def create_proposal(
    *,
    acting_user,
    quoted: Sequence[QuotedPolicy],
    channel: str,
    idempotency_key: str,
) -> Proposal:
    """The proposal for a renewal offer; the same key returns the first one. An open
    proposal for the same old policies is superseded (cancelled) by the new one."""
    if not idempotency_key:
        raise DomainError("idempotency_key", "缺少幂等键 / idempotency key required")
    done = Proposal.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    _check_quoted(quoted)
    now = clock.now()
    expires_at = min(
        offer_expiry(
            now,
            q.renews.expiry_date,
            int(conf.get("OFFER_DAYS")),
            int(conf.get("OFFER_GRACE_DAYS")),
        )
        for q in quoted
    )
    if expires_at <= now:
        raise DomainError(
            "offer_too_late",
            "原保单已到期，不能再按续保出单 / the old policy has ended: too late to renew it",
            status=409,
        )
    first = quoted[0].renews
    try:
        with transaction.atomic():
            for stale in (
                Proposal.objects.awaiting()
                .filter(lines__renews__in=[q.renews for q in quoted])
                .distinct()
            ):
                _close(stale, ProposalStatus.CANCELLED, "superseded by a new offer", now)
            premium = to_money(sum((q.premium for q in quoted), Decimal(0)))
            tax = to_money(sum((q.vehicle_tax or ZERO for q in quoted), Decimal(0)))
            proposal = Proposal.objects.create(
                proposal_no=f"TB{clock.today():%Y%m%d}{secrets.token_hex(4).upper()}",
                customer_id=first.customer_id,
                vehicle_id=first.vehicle_id,
                premium=premium,
                vehicle_tax=tax,
                total_due=premium + tax,
                expires_at=expires_at,
                idempotency_key=idempotency_key,
                pay_token=secrets.token_urlsafe(24),
                channel=channel,
                agent=acting_user if getattr(acting_user, "pk", None) else None,
            )
            for q in quoted:
                _add_line(proposal, q)
    except IntegrityError:
        # A concurrent request with the same key won: return its proposal. Any other broken
        # rule is a bug to see, not a race to paper over.
        winner = Proposal.objects.filter(idempotency_key=idempotency_key).first()
        if winner is None:
            raise
        return winner
    audit.record(
        acting_user,
        AuditLog.Action.CREATE,
        proposal,
        summary=f"proposal {proposal.proposal_no} ¥{proposal.total_due}",
    )
    return proposal


def _add_line(proposal: Proposal, q: QuotedPolicy) -> ProposalPolicy:
    old = q.renews
    commercial = old.kind == PolicyKind.COMMERCIAL
    line = ProposalPolicy.objects.create(
        proposal=proposal,
        kind=old.kind,
        renews=old,
        effective_date=old.expiry_date,
        expiry_date=add_months(old.expiry_date, 12),
        premium=to_money(q.premium),
        vehicle_tax=None if commercial else to_money(q.vehicle_tax or ZERO),
        ncd_level=q.ncd_level if commercial else None,
        ncd_coefficient=q.ncd_coefficient if commercial else None,
        pricing_coefficient=q.pricing_coefficient if commercial else None,
        traffic_violation_coefficient=q.traffic_violation_coefficient,
    )
    coverages = _copied_coverages(old, line.premium)
    rules.check_coverage_total(line.premium, [p for _, _, p in coverages])
    ProposalCoverage.objects.bulk_create(
        ProposalCoverage(line=line, code=code, limit=limit, premium=p)
        for code, limit, p in coverages
    )
    return line


def _close(proposal: Proposal, status: str, reason: str, now: dt.datetime) -> None:
    proposal.status = status
    proposal.closed_at = now
    proposal.close_reason = reason[:255]
    proposal.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])


def cancel_proposal(proposal: Proposal, *, acting_user, reason: str = "") -> Proposal:
    """The seat withdraws an unpaid offer (the link then says so). Cancelling twice is a
    no-op; a paid or issued proposal cannot be cancelled here."""
    with transaction.atomic():
        proposal = locks.lock(Proposal, pk=proposal.pk)
        if proposal.status == ProposalStatus.CANCELLED:
            return proposal
        if proposal.status != ProposalStatus.AWAITING_PAYMENT:
            raise DomainError(
                "proposal_closed",
                f"投保单{proposal.get_status_display()}，不能撤销 / the proposal is "
                f"{proposal.status} and cannot be cancelled",
                status=409,
            )
        _close(proposal, ProposalStatus.CANCELLED, reason or "cancelled by the seat", clock.now())
        audit.record(acting_user, AuditLog.Action.UPDATE, proposal, summary="proposal cancelled")
    return proposal


def expire_due(now: dt.datetime | None = None) -> int:
    """Unpaid proposals past their offer expire; each announces PROPOSAL_EXPIRED so the
    renewal goes back to its seat (carecircle.flows). Idempotent."""
    now = now or clock.now()
    due = list(Proposal.objects.awaiting().filter(expires_at__lte=now).values_list("pk", flat=True))
    expired = 0
    for pk in due:
        with transaction.atomic():
            proposal = locks.lock(Proposal, pk=pk)
            if proposal.status != ProposalStatus.AWAITING_PAYMENT:
                continue  # paid meanwhile
            _close(proposal, ProposalStatus.EXPIRED, "offer expired unpaid", now)
            handoff.after_commit(Event.PROPOSAL_EXPIRED, proposal_id=pk)
            expired += 1
    return expired


def check_payable(proposal: Proposal, now: dt.datetime) -> None:
    """A payment may start only for an open offer whose old policies nobody renewed."""
    if proposal.status != ProposalStatus.AWAITING_PAYMENT:
        raise DomainError(
            "not_payable",
            f"投保单{proposal.get_status_display()} / the proposal is "
            f"{proposal.get_status_display()}",
            status=409,
        )
    if proposal.expires_at <= now:
        raise DomainError(
            "offer_expired", "报价已过期，请联系坐席 / the offer has expired", status=409
        )


def issue(proposal: Proposal, now: dt.datetime) -> list[Policy]:
    """见费出单: the paid proposal's policies, each renewing its old one from the old expiry
    (or the day after payment, never back-dated), coverages and riders copied, 车船税 on the
    交强险, sold by the seat, in the renewal's unit (the renewed policy's, which is the renewal
    task's; else the seat's: ``policies.units``). Runs inside the payment's transaction with the
    proposal locked; a second call finds it issued and returns nothing. Announces
    POLICY_WRITTEN per policy (vouchers for the riders) and PROPOSAL_ISSUED (the renewal
    closes)."""
    if proposal.status != ProposalStatus.PAID:
        return []
    first_day = timezone.localdate(now) + dt.timedelta(days=1)
    issued = []
    lines = proposal.lines.select_related("renews").prefetch_related("coverages").order_by("kind")
    for line in lines:
        old = line.renews
        effective = max(line.effective_date, first_day)
        # The seat is read only for a renewed policy with no unit (then cached on the proposal).
        agent = proposal.agent if old.unit_id is None and proposal.agent_id else None
        unit_id = old.unit_id or (agent.unit_id if agent is not None else None)
        policy = Policy.objects.create(
            policy_no=f"{'PDAA' if line.kind == PolicyKind.COMMERCIAL else 'PDZA'}"
            f"{proposal.proposal_no[2:]}",
            kind=line.kind,
            customer_id=proposal.customer_id,
            vehicle_id=proposal.vehicle_id,
            effective_date=effective,
            expiry_date=add_months(effective, 12),
            premium=line.premium,
            vehicle_tax=line.vehicle_tax,
            currency=old.currency,
            ncd_level=line.ncd_level,
            ncd_coefficient=line.ncd_coefficient,
            pricing_coefficient=line.pricing_coefficient,
            traffic_violation_coefficient=line.traffic_violation_coefficient,
            channel=proposal.channel,
            agent_id=proposal.agent_id,
            partner_id=old.partner_id,
            unit_id=unit_id,
            renews=old,  # one-to-one: a policy is never renewed twice, whatever races
            source="renewal",
        )
        Coverage.objects.bulk_create(
            Coverage(policy=policy, code=c.code, limit=c.limit, premium=c.premium)
            for c in line.coverages.all()
        )
        line.policy = policy
        line.save(update_fields=["policy"])
        policy_written(policy)  # next year's service vouchers, valid from its start
        issued.append(policy)
    # A customer with no servicing unit yet is served where the policy was issued.
    settle_customer_unit(proposal.customer_id, first_unit(*(p.unit_id for p in issued)))
    proposal.status = ProposalStatus.ISSUED
    proposal.issued_at = now
    proposal.save(update_fields=["status", "issued_at", "updated_at"])
    audit.record(
        None,
        AuditLog.Action.UPDATE,
        proposal,
        summary=f"issued {', '.join(p.policy_no for p in issued)}"[:255],
    )
    handoff.after_commit(Event.PROPOSAL_ISSUED, proposal_id=proposal.pk)
    return issued
