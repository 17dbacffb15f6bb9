"""Issuing vouchers: a policy year's entitlements (idempotent), by hand with a reason,
cancelling an unused one, and the nightly expiry.  The whole book at once is ``bulk``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm
from carecircle.parties.models import Customer, list_flag
from carecircle.policies.models import Policy
from carecircle.value.public import current_tier

from .. import rules
from ..choices import IssueSource, VoucherStatus
from ..models import EntitlementPackage, ServiceProduct, Voucher
from .common import require


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
    require(acting_user, Perm.ISSUE_VOUCHERS)
    if not Customer.objects.restrict(acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied("无权为该客户发券 / not your customer")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请填写发放原因 / a reason is required", "reason")
    flag = list_flag(customer.pk)
    if flag is not None:  # discretionary services stop on a list entry; entitlements stay (#16)
        raise DomainError(
            "listed",
            flag.because(
                "名单客户不发放酌情服务券", "no discretionary voucher for a listed customer"
            ),
            "customer",
            status=409,
        )
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


def policy_facts(policy: Policy, tier: str | None = None) -> rules.PolicyFacts:
    return rules.PolicyFacts(
        tier=tier or current_tier(policy.customer_id) or "standard",  # never valued: standard
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
    require(acting_user, Perm.MANAGE_ALLIANCE)
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
