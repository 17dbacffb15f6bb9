"""理算 on a claim (``rules.adjustment``) through both of its linked policies: the 交强险 pays
first within the compulsory limits (settings), then the 商业险 — its 三者险 for the excess and
its 车损险 for the insured's own car, limits from its coverages. Only a claim with nothing
payable on any linked policy is refused, and the refusal says why and what to do next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, parse_money, to_money
from carecircle.policies.choices import PolicyKind
from carecircle.policies.models import Coverage, Policy

from .. import conf, rule_settings
from ..models import Claim
from ..rules import adjustment
from . import reserves
from .inputs import share

NO_LIMIT = Decimal("999999999.99")


def linked_policies(claim: Claim) -> tuple[Policy | None, Policy | None]:
    """(交强险, 商业险) for the claim. A claim filed on its 交强险 before claims were linked
    (issue #14) finds the vehicle's 商业险 in force at the accident, so it does not dead-end;
    one without its 交强险 linked (an import) finds that the same way."""
    policy = claim.policy
    if policy.kind == PolicyKind.COMPULSORY:
        return policy, _in_force(claim, PolicyKind.COMMERCIAL)
    if claim.compulsory_policy_id:
        return claim.compulsory_policy, policy
    return _in_force(claim, PolicyKind.COMPULSORY), policy


def _in_force(claim: Claim, kind: str) -> Policy | None:
    day = timezone.localdate(claim.accident_at)
    return (
        Policy.objects.filter(
            vehicle_id=claim.vehicle_id,
            kind=kind,
            effective_date__lte=day,
            expiry_date__gt=day,
        )
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
        .order_by("-effective_date", "-pk")
        .first()
    )


def commercial_limits(claim: Claim, commercial: Policy | None) -> dict[str, Decimal | None]:
    """车损险 and 三者险 limits from the commercial policy's coverages (None: not covered). A
    车损险 without a stated sum insured covers up to the vehicle's price."""
    limits: dict[str, Decimal | None] = {"vehicle_damage": None, "third_party": None}
    if commercial is None:
        return limits
    rows = Coverage.objects.filter(policy=commercial, code__in=list(limits)).values_list(
        "code", "limit"
    )
    for code, limit in rows:
        if limit is None and code == "vehicle_damage" and claim.vehicle.price is not None:
            limit = claim.vehicle.price
        limits[code] = limit if limit is not None else NO_LIMIT
    return limits


def _money(data: dict[str, Any], name: str) -> Decimal:
    return parse_money(name, data.get(name), default=ZERO)


def adjust_claim(claim: Claim, data: dict[str, Any], *, acting_user: Any = None) -> dict[str, Any]:
    """理算 on the assessed loss (the own car) and the third parties' losses in ``data``; the
    result is the amount to approve and (less what is paid) the case reserve."""
    liability_share = share(data.get("liability_share", claim.liability_share or "1"))
    compulsory, commercial = linked_policies(claim)
    limits = commercial_limits(claim, commercial)
    loss = adjustment.Loss(
        own_damage=claim.amount_assessed or ZERO,
        other_vehicle_damage=_money(data, "other_vehicle_damage"),
        third_party_property=_money(data, "third_party_property"),
        medical=_money(data, "medical"),
        death_disability=_money(data, "death_disability"),
        liability_share=liability_share,
        multi_vehicle=bool(data.get("multi_vehicle", not claim.single_vehicle)),
        all_parties_at_fault=bool(data.get("all_parties_at_fault", False)),
        deductible=_money(data, "deductible"),
        vehicle_damage_limit=limits["vehicle_damage"],
        third_party_limit=limits["third_party"],
        compulsory_insured=compulsory is not None,
    )
    at_fault, not_at_fault = rule_settings.compulsory_limits()
    result = adjustment.adjust(
        loss, at_fault, not_at_fault, to_money(conf.get("MUTUAL_COLLISION_MAX"))
    )
    on = _policy_names(compulsory, commercial)
    if result.total <= 0:
        raise DomainError(
            "nothing_payable",
            f"理算结果为0(已关联 {on})：{adjustment.nothing_payable_reason(result)}。请核对责任"
            "比例和损失金额后重新理算；确无可赔，请拒赔(写明理由，3日内发出拒赔通知书)或撤案 / "
            f"nothing is payable on the linked policies ({on}). Check the liability share and "
            "the losses and adjust again; if nothing is covered, reject with reasons (the "
            "notice goes within 3 days) or withdraw.",
            "liability_share",
        )
    claim.liability_share = liability_share
    claim.adjustment = {
        **result.as_dict(),
        "policies": {
            "compulsory": compulsory.policy_no if compulsory else None,
            "commercial": commercial.policy_no if commercial else None,
        },
    }
    claim.amount_approved = result.total
    reserves.set_outstanding(claim, result.total, by=acting_user, reason="理算 / adjusted")
    claim.escalated_to = ""
    return {"total": result.total, "mutual_collision": result.mutual_collision}


def _policy_names(compulsory: Policy | None, commercial: Policy | None) -> str:
    first = f"交强险 {compulsory.policy_no}" if compulsory else "交强险 —"
    second = f"商业险 {commercial.policy_no}" if commercial else "商业险 —"
    return f"{first}, {second}"
