"""State changes on policies: one transaction each, permission and invariants checked, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from carecircle.core import audit, handoff
from carecircle.core.errors import DomainError
from carecircle.core.handoff import Event
from carecircle.core.models import AuditLog
from carecircle.core.money import parse_money
from carecircle.core.roles import Perm
from carecircle.parties.models import Customer, Partner, Vehicle
from carecircle.parties.services import require_perm, require_visible, snapshot

from . import conf, ncd, rules
from .choices import Channel, CoverageCode, Currency, PolicyKind
from .models import Coverage, Policy
from .policy_parties import default_parties_for
from .units import settle_customer_unit, writing_unit

POLICY_FIELDS = (
    "kind",
    "effective_date",
    "expiry_date",
    "premium",
    "currency",
    "ncd_level",
    "pricing_coefficient",
    "traffic_violation_coefficient",
    "channel",
    "agent_id",
    "partner_id",
    "renews_id",
    "cancelled_on",
)
AUDITED_POLICY = (*POLICY_FIELDS, "ncd_coefficient")


def _choice(field: str, value: Any, choices: Any) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise DomainError(
            f"unknown_{field}",
            f"{field} 须为 {allowed} 之一 / {field} must be one of {allowed}",
            field,
        )


def _coefficient(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"))


def _check_policy(policy: Policy) -> None:
    """Invariants over the whole policy, run on create and after every update."""
    _choice("kind", policy.kind, PolicyKind)
    _choice("channel", policy.channel, Channel)
    _choice("currency", policy.currency, Currency)
    if not isinstance(policy.effective_date, dt.date) or not isinstance(
        policy.expiry_date, dt.date
    ):
        raise DomainError("date_required", "起止日期必填 / dates are required", "effective_date")
    if policy.expiry_date <= policy.effective_date:
        raise DomainError(
            "expiry_not_after_effective",
            "终保日期须晚于起保日期 / expiry date must be after the effective date",
            "expiry_date",
        )
    policy.premium = parse_money("premium", policy.premium)
    # A new policy is bought by the vehicle's owner. An issued one keeps its applicant when
    # the vehicle changes hands (过户: policies.endorsements), so an update does not re-check.
    if policy.pk is None and policy.vehicle.owner_id != policy.customer_id:
        raise DomainError(
            "vehicle_not_customers",
            "车辆不属于该客户 / the vehicle belongs to another customer",
            "vehicle_id",
        )
    if policy.pricing_coefficient is not None:
        policy.pricing_coefficient = rules.check_pricing_coefficient(
            _coefficient(policy.pricing_coefficient),
            conf.get("AUTONOMOUS_PRICING_BAND"),
        )
    policy.traffic_violation_coefficient = _coefficient(policy.traffic_violation_coefficient)
    # The NCD coefficient is never typed in: it follows the level through the ladder of the
    # customer's region (−5 only where that ladder has it: Beijing, Xiamen).
    policy.ncd_coefficient = (
        None
        if policy.ncd_level is None
        else ncd.coefficient(
            policy.ncd_level, province=policy.customer.province, city=policy.customer.city
        )
    )
    if policy.renews_id is not None:
        previous = Policy.objects.filter(pk=policy.renews_id).first()
        if previous is None or previous.pk == policy.pk or previous.vehicle_id != policy.vehicle_id:
            raise DomainError(
                "renews_other_vehicle",
                "续保的原保单须为同一车辆的保单 / a renewal renews a policy of the same vehicle",
                "renews_id",
            )
        if previous.expiry_date > policy.effective_date:
            raise DomainError(
                "renews_overlaps",
                "原保单须在新保单起保日或之前到期 / the renewed policy must end on or before "
                "the new policy's effective date",
                "renews_id",
            )


def _set_coverages(policy: Policy, coverages: Sequence[dict[str, Any]]) -> None:
    codes = [c["code"] for c in coverages]
    for code in codes:
        _choice("coverages", code, CoverageCode)
    if len(set(codes)) != len(codes):
        raise DomainError("duplicate_coverage", "险别重复 / a coverage appears twice", "coverages")
    premiums = [parse_money("coverages", c["premium"]) for c in coverages]
    rules.check_coverage_total(policy.premium, premiums)
    policy.coverages.all().delete()
    Coverage.objects.bulk_create(
        Coverage(
            policy=policy,
            code=c["code"],
            premium=p,
            limit=None if c.get("limit") is None else parse_money("coverages", c["limit"]),
        )
        for c, p in zip(coverages, premiums, strict=True)
    )


def _check_links(policy: Policy, acting_user) -> None:
    if policy.partner_id is not None and not Partner.objects.filter(pk=policy.partner_id).exists():
        raise DomainError("partner_unknown", "渠道伙伴不存在 / partner not found", "partner_id")


def _save(policy: Policy) -> None:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        # Constraints race past the checks above only under concurrency; say which rule.
        raise DomainError(
            "conflict",
            "保单与已有记录冲突 / the policy conflicts with an existing record",
            None,
            status=409,
        ) from None


def create_policy(
    *,
    acting_user,
    customer: Customer,
    vehicle: Vehicle,
    policy_no: str,
    coverages: Sequence[dict[str, Any]] = (),
    **data: Any,
) -> Policy:
    """``data``: the POLICY_FIELDS; ``coverages``: [{"code", "premium", "limit"}] adding up."""
    require_perm(acting_user, Perm.EDIT_POLICIES)
    require_visible(customer, acting_user)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields {sorted(unknown)}")
    with transaction.atomic():
        policy_no = (policy_no or "").strip()
        if not policy_no:
            raise DomainError("required", "保单号必填 / policy no. is required", "policy_no")
        if Policy.objects.filter(policy_no=policy_no).exists():
            raise DomainError(
                "duplicate_policy_no",
                "保单号已存在 / policy no. already exists",
                "policy_no",
                status=409,
            )
        data.setdefault("currency", Currency.CNY)
        data.setdefault("traffic_violation_coefficient", Decimal("1.000"))
        policy = Policy(
            policy_no=policy_no, customer=customer, vehicle=vehicle, source="manual", **data
        )
        policy.unit_id = writing_unit(acting_user, customer.unit_id)  # 机构 (policies.units)
        _check_policy(policy)
        _check_links(policy, acting_user)
        _save(policy)
        _set_coverages(policy, coverages)
        settle_customer_unit(customer.pk, policy.unit_id)
        audit.record(acting_user, AuditLog.Action.CREATE, policy, summary=policy.policy_no)
        policy_written(policy)
        return policy


def policy_written(policy: Policy) -> None:
    """A new policy's parties are recorded (applicant = insured = owner = its customer); after
    it commits, the domains that act on it do (carecircle.flows: its service entitlements are
    issued at once instead of at the nightly run)."""
    default_parties_for([policy])
    handoff.after_commit(Event.POLICY_WRITTEN, policy_id=policy.pk)


def update_policy(
    policy: Policy,
    *,
    acting_user,
    coverages: Sequence[dict[str, Any]] | None = None,
    **changes: Any,
) -> Policy:
    """PATCH: only the given fields change; coverages, when given, replace the old ones."""
    require_perm(acting_user, Perm.EDIT_POLICIES)
    require_visible(policy, acting_user)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields {sorted(unknown)}")
    with transaction.atomic():
        # the customer joins for the region's NCD ladder; only the policy row is locked
        policy = (
            Policy.objects.select_for_update(of=("self",))
            .select_related("vehicle", "customer")
            .get(pk=policy.pk)
        )
        before = snapshot(policy, AUDITED_POLICY)
        before_coverages = {c.code: str(c.premium) for c in policy.coverages.all()}
        for field, value in changes.items():
            setattr(policy, field, value)
        _check_policy(policy)
        _check_links(policy, acting_user)
        _save(policy)
        if coverages is not None:
            _set_coverages(policy, coverages)
        elif "premium" in changes:
            rules.check_coverage_total(policy.premium, [c.premium for c in policy.coverages.all()])
        diff = audit.diff(before, snapshot(policy, AUDITED_POLICY))
        after_coverages = {c.code: str(c.premium) for c in policy.coverages.all()}
        if after_coverages != before_coverages:
            diff["coverages"] = [str(before_coverages), str(after_coverages)]
        audit.record(
            acting_user, AuditLog.Action.UPDATE, policy, summary=policy.policy_no, changes=diff
        )
        return policy
