"""Ownership transfer (过户) as an endorsement (批改): the vehicle changes owner from a date and
its policies in force are transferred to the new owner or cancelled with a refund, as the
customer chooses (docs/parties-and-transfers.md).

- The vehicle's owner is the new owner from ``on``. ``on`` is the day it changed hands (the
  registration's date): not in the future, not before the vehicle's last transfer.
- ``in_force="transfer"``: each policy still running on ``on`` (or issued to start later)
  names the new owner as insured (被保险人) and owner (车主) from ``on``; the applicant
  (投保人, ``Policy.customer``) who paid stays. Insurance Law Art 49: the buyer takes over the
  insured's rights and duties.
- ``in_force="cancel"``: each commercial policy is cancelled on ``on`` and the unearned
  premium refunded by the day (2020 model clauses: the insurer keeps the premium of the days
  on cover), to the cent, half up. 交强险 is never cancelled on a transfer — the regulation
  (机动车交通事故责任强制保险条例 Arts 16, 18) allows it only for a deregistered, laid-up or
  lost vehicle and requires the contract to follow the vehicle — so it is transferred.
- An open claim does not stop a transfer: the loss happened to the insured of that day, and
  the claim stays theirs, on the policy as it was. It stops a cancellation (未决赔案: the
  refund waits until what the claim pays is known), as does a claim for an accident on or
  after ``on`` (the cover after that day was used). Claims answer through
  ``core.handoff.Question.CLAIMS_STOPPING_CANCELLATION``.
- A policy that started after ``on`` but by today was bought by someone who no longer owned
  the car: refused, to be corrected by hand, not transferred.
- The NCD chain starts again for the new owner: ``claims.selectors.history`` reads the
  vehicle's latest transfer and counts no insured year that began before it. The old owner
  keeps their history: their policies and claims stay theirs (Policy.customer is unchanged).
- Unpaid renewal offers (投保单) of the vehicle for the old owner are withdrawn.

One transaction, the vehicle and its policies locked; audited (the transfer, the vehicle's
owner, each policy). Running it again with the same new owner, date and choice returns the
first transfer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from carecircle.core import audit, clock, handoff, locks
from carecircle.core.errors import DomainError
from carecircle.core.handoff import Question
from carecircle.core.models import AuditLog
from carecircle.core.money import CENT, to_money
from carecircle.core.roles import Perm
from carecircle.parties.models import Customer, Vehicle
from carecircle.parties.services import require_perm, require_visible

from .choices import EndorsementKind, InForce, PartyRole, PolicyKind
from .models import Policy
from .models_endorsements import Endorsement, OwnershipTransfer
from .models_parties import PolicyParty
from .models_proposals import Proposal
from .proposals import cancel_proposal

# The roles a transfer re-points to the new owner; the applicant who paid stays.
TRANSFERRED_ROLES = (PartyRole.INSURED, PartyRole.OWNER)


def unearned_premium(premium: Decimal, effective: dt.date, expiry: dt.date, on: dt.date) -> Decimal:
    """The premium of the days from ``on`` to the expiry (exclusive) over the policy's days,
    to the cent, half up: all of it when cancelled before the start, none on or after the
    expiry."""
    term = (expiry - effective).days
    if term <= 0:
        raise ValueError("a policy's expiry comes after its start")
    left = min(max((expiry - max(on, effective)).days, 0), term)
    return (Decimal(premium) * left / term).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Plan:
    """What a transfer would do to one policy (the staff page shows it before confirming)."""

    policy: Policy
    kind: str  # EndorsementKind
    refund: Decimal | None
    note: str = ""


def affected_policies(vehicle: Vehicle, on: dt.date):
    """The vehicle's policies a transfer on ``on`` touches: not cancelled, cover not ended by
    ``on`` (a renewal issued to start later included)."""
    return Policy.objects.filter(vehicle=vehicle, cancelled_on__isnull=True, expiry_date__gt=on)


KEEP_COMPULSORY = (
    "交强险随车过户，不得退保（交强险条例第16、18条） / 交强险 follows the vehicle and is not "
    "cancelled on a transfer (regulation Arts 16, 18)"
)


def plan(policies: list[Policy], in_force: str, on: dt.date) -> list[Plan]:
    """Per policy: transferred, or cancelled with its refund (交强险 always transferred)."""
    out = []
    for p in policies:
        if in_force == InForce.CANCEL and p.kind != PolicyKind.COMPULSORY:
            refund = unearned_premium(p.premium, p.effective_date, p.expiry_date, on)
            out.append(Plan(p, EndorsementKind.CANCELLATION, refund))
        else:
            note = KEEP_COMPULSORY if in_force == InForce.CANCEL else ""
            out.append(Plan(p, EndorsementKind.TRANSFER, None, note))
    return out


def _check_request(vehicle: Vehicle, new_owner: Customer, on, in_force: str, by) -> None:
    require_perm(by, Perm.EDIT_POLICIES)
    require_visible(vehicle, by)
    require_visible(new_owner, by)
    if in_force not in InForce.values:
        raise DomainError(
            "in_force",
            "在保保单须选择过户或退保 / choose whether the policies in force are transferred "
            "or cancelled",
            "in_force",
        )
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise DomainError("date_required", "过户日期必填 / the transfer date is required", "on")
    if on > clock.today():
        raise DomainError(
            "transfer_in_future",
            "过户日期不能晚于今天：车辆过户后再办理批改 / the transfer date cannot be in the "
            "future: record it once the vehicle has changed hands",
            "on",
        )


def _same_as_before(vehicle: Vehicle, new_owner: Customer, on, in_force) -> OwnershipTransfer:
    """A retry of the transfer that made ``new_owner`` the owner returns it; anything else
    asking to transfer a vehicle to its own owner is refused."""
    last = OwnershipTransfer.objects.filter(vehicle=vehicle).order_by("-on", "-pk").first()
    if last and (last.to_owner_id, last.on, last.in_force) == (new_owner.pk, on, in_force):
        return last
    raise DomainError(
        "same_owner",
        "新车主与现车主相同 / the vehicle already belongs to this customer",
        "new_owner_id",
        status=409,
    )


def _refuse_late_policies(policies: list[Policy], on: dt.date, today: dt.date) -> None:
    late = [p for p in policies if on < p.effective_date <= today]
    if late:
        numbers = ", ".join(p.policy_no for p in late)
        raise DomainError(
            "transfer_before_policy_start",
            f"过户日期早于保单{numbers}的起保日：过户后原车主投保的保单须人工更正 / the transfer "
            f"date is before policy {numbers} started: a policy bought after the vehicle was "
            "sold is corrected by hand, not transferred",
            "on",
        )


def _refuse_claims(plans: list[Plan], on: dt.date) -> None:
    cancelled = [p.policy.pk for p in plans if p.kind == EndorsementKind.CANCELLATION]
    stopping = handoff.ask(Question.CLAIMS_STOPPING_CANCELLATION, policy_ids=cancelled, on=on)
    if stopping:
        by_no = {p.policy.pk: p.policy.policy_no for p in plans}
        listed = "; ".join(
            f"{by_no[pk]}: {', '.join(claims)}" for pk, claims in sorted(stopping.items())
        )
        raise DomainError(
            "open_claim",
            f"保单有未决赔案或过户日后出险，不能退保（可选择随车过户） / a policy has an open claim "
            f"or an accident on or after the transfer date and cannot be cancelled (transfer it "
            f"instead): {listed}",
            "in_force",
            status=409,
        )


def _parties(policy: Policy) -> dict[str, int]:
    rows = dict(PolicyParty.objects.filter(policy=policy).values_list("role", "customer_id"))
    # No rows yet (a book loaded before parties): the customer held every role.
    return {role: rows.get(role, policy.customer_id) for role in PartyRole.values}


def _transfer_policy(policy: Policy, new_owner: Customer, on: dt.date) -> tuple[dict, dict]:
    before = _parties(policy)
    since = max(on, policy.effective_date)
    after = dict(before)
    for role in PartyRole.values:
        customer_id = new_owner.pk if role in TRANSFERRED_ROLES else before[role]
        after[role] = customer_id
        PolicyParty.objects.update_or_create(
            policy=policy,
            role=role,
            defaults={
                "customer_id": customer_id,
                **({"since": since, "contact": None} if role in TRANSFERRED_ROLES else {}),
            },
        )
    return before | {"since": None}, after | {"since": since.isoformat()}


def _cancel_policy(policy: Policy, on: dt.date, refund: Decimal) -> tuple[dict, dict]:
    before = {"cancelled_on": None, "premium": str(policy.premium)}
    policy.cancelled_on = on
    policy.save(update_fields=["cancelled_on", "updated_at"])
    return before, {"cancelled_on": on.isoformat(), "refund": str(refund)}


def _withdraw_offers(vehicle: Vehicle, new_owner: Customer, by) -> list[str]:
    withdrawn = []
    offers = Proposal.objects.awaiting().filter(vehicle=vehicle).exclude(customer=new_owner)
    for proposal in offers:
        cancel_proposal(proposal, acting_user=by, reason="车辆已过户 / the vehicle changed hands")
        withdrawn.append(proposal.proposal_no)
    return withdrawn


def transfer_vehicle(
    vehicle: Vehicle, new_owner: Customer, *, on: dt.date, in_force: str, by
) -> OwnershipTransfer:
    """The vehicle belongs to ``new_owner`` from ``on``; its policies in force are transferred
    or cancelled (``in_force``: "transfer" | "cancel"). Returns the transfer, its
    endorsements written (``transfer.endorsements``)."""
    _check_request(vehicle, new_owner, on, in_force, by)
    today = clock.today()
    with transaction.atomic():
        vehicle = locks.lock(Vehicle, pk=vehicle.pk)
        if vehicle.owner_id == new_owner.pk:
            return _same_as_before(vehicle, new_owner, on, in_force)
        last = OwnershipTransfer.objects.filter(vehicle=vehicle).order_by("-on").first()
        if last is not None and on < last.on:
            raise DomainError(
                "transfer_before_last",
                f"过户日期早于上次过户（{last.on}） / the transfer date is before the vehicle's "
                f"last transfer on {last.on}",
                "on",
            )
        policies = locks.lock_all(affected_policies(vehicle, on))
        _refuse_late_policies(policies, on, today)
        plans = plan(policies, in_force, on)
        _refuse_claims(plans, on)
        old_owner_id = vehicle.owner_id
        transfer = OwnershipTransfer.objects.create(
            vehicle=vehicle,
            from_owner_id=old_owner_id,
            to_owner=new_owner,
            on=on,
            in_force=in_force,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        vehicle.owner = new_owner
        vehicle.save(update_fields=["owner", "updated_at"])
        for step in plans:
            policy = step.policy
            if step.kind == EndorsementKind.CANCELLATION:
                assert step.refund is not None
                before, after = _cancel_policy(policy, on, step.refund)
            else:
                before, after = _transfer_policy(policy, new_owner, on)
            Endorsement.objects.create(
                kind=step.kind,
                policy=policy,
                transfer=transfer,
                effective_on=max(on, policy.effective_date),
                before=before,
                after=after,
                refund=step.refund,
                note=step.note,
                created_by=transfer.created_by,
            )
            audit.record(
                by,
                AuditLog.Action.UPDATE,
                policy,
                summary=f"{step.kind} on transfer of {vehicle}",
                changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
            )
        withdrawn = _withdraw_offers(vehicle, new_owner, by)
        audit.record(
            by,
            AuditLog.Action.UPDATE,
            vehicle,
            summary=f"ownership transferred on {on}",
            changes={"owner_id": [str(old_owner_id), str(new_owner.pk)]},
        )
        audit.record(
            by,
            AuditLog.Action.CREATE,
            transfer,
            summary=f"{vehicle} transferred on {on}, policies {in_force}",
            changes={
                "policies": [p.policy.policy_no for p in plans],
                "refund": str(to_money(sum((p.refund or 0 for p in plans), Decimal(0)))),
                "offers_withdrawn": withdrawn,
            },
        )
    return transfer
