"""The customer 360 read model: profile, vehicles with their renewal chains, the customer's
roles on each policy (投保人 · 被保险人 · 车主), claims (driven by them too), interactions and one
timeline merged from every domain that meets the customer.

Every queryset starts from ``Model.objects.restrict(user)``; the page costs a fixed number of
indexed queries whatever the customer's history holds (the tests count them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carecircle.alliance.models import Redemption
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.core import clock
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.choices import CustomerKind
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import CompanyContact, Coverage, Policy, PolicyParty
from carecircle.policies.policy_parties import roles_in, roles_label
from carecircle.renewals.models import Contact
from carecircle.touchpoints.choices import ContactType
from carecircle.touchpoints.models import Interaction

INTERACTIONS_SHOWN = 50
CLAIMS_SHOWN = 50
TIMELINE_SHOWN = 50  # entries on the merged timeline; each source reads at most this many

# Review flags are the fraud screening's internal notes: never on the customer timeline.
INTERNAL_CLAIM_ACTIONS = (Action.FLAG, Action.CLEAR_FLAG)
# Renewal contacts by channel: the call centre's calls are phone contacts, an agent's or a
# 4S shop's are sales contacts (the five touchpoints, touchpoints.choices.ContactType).
RENEWAL_CONTACT_TYPE = {
    "telesales": ContactType.PHONE,
    "inbound": ContactType.PHONE,
    "agent": ContactType.SALES,
    "four_s_shop": ContactType.SALES,
}


@dataclass
class PolicyChain:
    """Policies of one kind on one vehicle linked by ``renews``, oldest first."""

    kind_label: str
    policies: list[Policy]


@dataclass
class PolicyRoles:
    """The customer's roles on one policy, e.g. "投保人 · 被保险人 / Applicant · Insured" on
    浙A12345 商业险 2026."""

    policy: Policy
    roles: list[str]
    label: str

    @property
    def year(self) -> int:
        return self.policy.effective_date.year


@dataclass
class VehiclePolicies:
    vehicle: Vehicle
    chains: list[PolicyChain] = field(default_factory=list)


@dataclass
class TimelineEntry:
    """One contact on the customer timeline, whatever table it lives in.

    ``source`` is interaction, claim_step, redemption or renewal_contact; ``contact_type`` is
    one of the five touchpoints. ``interaction`` is set for Interaction rows (the feed shows
    their medium, direction, outcome and score as before); ``url`` is set only where the
    viewer may open the object."""

    when: dt.datetime
    source: str
    contact_type: str
    label: str
    detail: str = ""
    who: str = ""
    url: str = ""
    interaction: Interaction | None = None
    pk: int = 0

    @property
    def contact_type_label(self) -> str:
        return str(ContactType(self.contact_type).label)


@dataclass
class Customer360:
    customer: Customer
    shown_name: str
    can_reveal: bool
    vehicles: list[VehiclePolicies]
    claims: list[Claim]
    interactions: list[Interaction]
    policy_count: int
    today: dt.date
    timeline: list[TimelineEntry] = field(default_factory=list)
    roles: list[PolicyRoles] = field(default_factory=list)  # newest policy first
    contacts: list[CompanyContact] = field(default_factory=list)  # a company's people
    can_transfer: bool = False  # may record an ownership transfer (过户) of their vehicles

    @property
    def do_not_call(self) -> bool:
        until = self.customer.do_not_call_until
        return until is not None and until >= self.today


def policy_state(policy: Policy, today: dt.date) -> str:
    if policy.cancelled_on:
        return "cancelled"
    if policy.effective_date > today:
        return "future"
    return "in_force" if policy.expiry_date > today else "expired"


def _chains(policies: list[Policy], today: dt.date) -> list[PolicyChain]:
    """Split one vehicle's policies into renewal chains (newest chain first)."""
    for p in policies:
        p.state = policy_state(p, today)  # type: ignore[attr-defined]
        p.renewed_as = None  # type: ignore[attr-defined]
    by_id = {p.pk: p for p in policies}
    successor = {p.renews_id: p for p in policies if p.renews_id in by_id}
    starts = [p for p in policies if p.renews_id not in by_id]
    chains = []
    for start in starts:
        chain, current, seen = [start], start, {start.pk}
        while current.pk in successor and successor[current.pk].pk not in seen:
            current.renewed_as = successor[current.pk]  # type: ignore[attr-defined]
            current = successor[current.pk]
            chain.append(current)
            seen.add(current.pk)
        chains.append(PolicyChain(str(start.get_kind_display()), chain))
    chains.sort(key=lambda c: (c.policies[-1].effective_date, c.policies[-1].pk), reverse=True)
    return chains


SOURCE_ORDER = {"interaction": 0, "claim_step": 1, "redemption": 2, "renewal_contact": 3}


def _who(user: Any, actor: Any) -> str:
    """The person behind a step as the viewer may see them: insurer staff and the customer
    see the name (as on the interaction feed); a partner user sees their own partner's users
    by name and anyone else as the insurer."""
    if actor is None:
        return str(_("系统 / System"))
    if getattr(user, "role", None) in (Role.PARTNER_USER, Role.MERCHANT_USER) and (
        actor.partner_id is None or actor.partner_id != user.partner_id
    ):
        return str(_("保险公司 / Insurer"))
    return str(actor)


def _claim_steps(user: Any, customer: Customer) -> list[TimelineEntry]:
    """The customer's claims' steps (review flags left out), newest first; one query on the
    (claim, at) index. A partner user sees only the steps of claims sent to their own shop,
    as in the shop portal."""
    qs = ClaimTransition.objects.restrict(user).filter(claim__policy__customer=customer)
    if getattr(user, "role", None) == Role.PARTNER_USER:
        qs = qs.filter(claim__repair_shop_id=user.partner_id)
    rows = (
        qs.exclude(action__in=INTERNAL_CLAIM_ACTIONS)
        .select_related("claim", "actor")
        .defer("data", "actor__password")
        .order_by("-at", "-pk")[:TIMELINE_SHOWN]
    )
    if has_perm(user, Perm.HANDLE_CLAIMS):
        link = "claims:detail"
    elif getattr(user, "role", None) == Role.CUSTOMER:
        link = "claims:my_claim"
    else:
        link = ""
    out = []
    for t in rows:
        detail = t.claim.claim_no
        if t.to_status and t.to_status != t.from_status:
            detail += f" · {t.get_to_status_display()}"
        out.append(
            TimelineEntry(
                when=t.at,
                source="claim_step",
                contact_type=ContactType.CLAIMS,
                label=str(t.get_action_display()),
                detail=detail,
                who=_who(user, t.actor),
                url=reverse(link, args=[t.claim_id]) if link else "",
                pk=t.pk,
            )
        )
    return out


def _redemptions(user: Any, customer: Customer) -> list[TimelineEntry]:
    """Services used with the customer's vouchers, newest first; one query (vouchers by the
    (customer, status) index, redemptions by voucher). Not for partner users: they do not see
    the customer's alliance services anywhere today."""
    if getattr(user, "role", None) in (Role.PARTNER_USER, Role.MERCHANT_USER):
        return []
    rows = (
        Redemption.objects.restrict(user)
        .filter(voucher__customer=customer)
        .select_related("merchant", "offer__product")
        .only(
            "pk",
            "redeemed_at",
            "status",
            "merchant__name",
            "offer__product__name",
        )
        .order_by("-redeemed_at", "-pk")[:TIMELINE_SHOWN]
    )
    url = reverse("alliance:my_services") if getattr(user, "role", None) == Role.CUSTOMER else ""
    return [
        TimelineEntry(
            when=r.redeemed_at,
            source="redemption",
            contact_type=ContactType.SERVICE,
            label=str(_("服务券核销 / Voucher redeemed")) + f" · {r.offer.product.name}",
            detail=str(r.get_status_display()),
            who=r.merchant.name,
            url=url,
            pk=r.pk,
        )
        for r in rows
    ]


def _renewal_contacts(user: Any, customer: Customer) -> list[TimelineEntry]:
    """Renewal calls and visits, newest first; one query on the (customer, at) index. Not for
    partner users (they see no call-centre contacts today)."""
    if getattr(user, "role", None) in (Role.PARTNER_USER, Role.MERCHANT_USER):
        return []
    rows = (
        Contact.objects.restrict(user)
        .filter(customer=customer)
        .select_related("by")
        .only(
            "pk",
            "task_id",
            "channel",
            "at",
            "outcome",
            "connected",
            "duration_s",
            "by__username",
            "by__display_name",
            "by__role",
            "by__partner_id",
        )
        .order_by("-at", "-pk")[:TIMELINE_SHOWN]
    )
    link = has_perm(user, Perm.WORK_RENEWALS) or has_perm(user, Perm.SUPERVISE_RENEWALS)
    out = []
    for c in rows:
        outcome = str(c.get_outcome_display()) if c.outcome else str(_("通话中 / In progress"))
        out.append(
            TimelineEntry(
                when=c.at,
                source="renewal_contact",
                contact_type=RENEWAL_CONTACT_TYPE.get(c.channel, ContactType.PHONE),
                label=str(_("续保联系 / Renewal contact")) + f" · {c.get_channel_display()}",
                detail=outcome,
                who=_who(user, c.by),
                url=reverse("renewals:task", args=[c.task_id]) if link else "",
                pk=c.pk,
            )
        )
    return out


def timeline(user: Any, customer: Customer, interactions: list[Interaction]) -> list[TimelineEntry]:
    """One customer timeline, newest first: Interaction rows merged at display time with the
    claims' steps, the vouchers' redemptions and the renewal contacts — three more queries,
    each limited and on an index, each through its model's ``restrict``; nothing is copied
    into Interaction."""
    entries = [
        TimelineEntry(
            when=it.occurred_at,
            source="interaction",
            contact_type=it.contact_type,
            label=it.summary,
            who=", ".join(str(x) for x in (it.staff, it.partner and it.partner.name) if x),
            interaction=it,
            pk=it.pk,
        )
        for it in interactions
    ]
    entries += _claim_steps(user, customer)
    entries += _redemptions(user, customer)
    entries += _renewal_contacts(user, customer)
    entries.sort(key=lambda e: (e.when, -SOURCE_ORDER[e.source], e.pk), reverse=True)
    return entries[:TIMELINE_SHOWN]


def _policies_of(customer: Customer) -> tuple[list[int], dict[int, list[str]]]:
    """The ids of the policies the customer is on — as the policyholder (``Policy.customer``)
    or in any party role — with the roles recorded for them; one query (a UNION ALL of two
    index reads), before any scope: the pages' querysets apply ``restrict``."""
    rows = (
        PolicyParty.objects.filter(customer=customer)
        .values_list("policy_id", "role")
        .union(
            Policy.objects.filter(customer=customer)
            .annotate(no_role=Value("", output_field=CharField()))
            .values_list("pk", "no_role"),
            all=True,
        )
    )
    roles: dict[int, list[str]] = {}
    for policy_id, role in rows:
        recorded = roles.setdefault(policy_id, [])
        if role:
            recorded.append(role)
    return list(roles), roles


def customer_360(user: Any, customer: Customer) -> Customer360:
    """Everything on the 360 page in a fixed number of indexed queries (seven, plus three for
    the timeline's claim steps, redemptions and renewal contacts, plus a company's contact
    people)."""
    vehicles = list(Vehicle.objects.restrict(user).filter(owner=customer).order_by("pk"))
    policy_ids, recorded = _policies_of(customer)
    policies = list(
        Policy.objects.restrict(user)
        .filter(pk__in=policy_ids)
        # whether any party is recorded: none → the customer reads as the policyholder
        .annotate(has_parties=Exists(PolicyParty.objects.filter(policy=OuterRef("pk"))))
        .select_related("vehicle", "partner", "agent")
        .prefetch_related(Prefetch("coverages", queryset=Coverage.objects.order_by("pk")))
        .order_by("effective_date", "pk")
    )
    claims = list(
        Claim.objects.restrict(user)
        # the claims on those policies (two index reads: by policy, by driver) and the claims
        # where the customer drove someone else's car
        .filter(Q(policy_id__in=policy_ids) | Q(driver=customer))
        .select_related("policy", "vehicle")
        .order_by("-accident_at", "-pk")[:CLAIMS_SHOWN]
    )
    for cl in claims:
        cl.as_driver = cl.driver_id == customer.pk  # type: ignore[attr-defined]
    interactions = list(
        Interaction.objects.restrict(user)
        .filter(customer=customer)
        .select_related("staff", "partner")
        .order_by("-occurred_at", "-pk")[:INTERACTIONS_SHOWN]
    )
    contacts = []
    if customer.kind == CustomerKind.COMPANY:
        contacts = list(
            CompanyContact.objects.restrict(user)
            .filter(company=customer, active=True)
            .order_by("pk")
        )
    today = clock.today()
    grouped: dict[int, VehiclePolicies] = {v.pk: VehiclePolicies(v) for v in vehicles}
    per_vehicle: dict[int, list[Policy]] = {}
    roles: list[PolicyRoles] = []
    for p in policies:
        # A policy on a vehicle the customer no longer owns still belongs on their timeline.
        grouped.setdefault(p.vehicle_id, VehiclePolicies(p.vehicle))
        per_vehicle.setdefault(p.vehicle_id, []).append(p)
        has_parties = bool(p.has_parties)  # type: ignore[attr-defined]
        held = roles_in(p, customer.pk, recorded.get(p.pk, ()), has_parties=has_parties)
        p.roles = held  # type: ignore[attr-defined]
        p.roles_label = roles_label(held)  # type: ignore[attr-defined]
        roles.append(PolicyRoles(p, held, p.roles_label))  # type: ignore[attr-defined]
    for vehicle_id, vehicle_policies in per_vehicle.items():
        grouped[vehicle_id].chains = _chains(vehicle_policies, today)
    return Customer360(
        customer=customer,
        shown_name=customer.display_name_for(user),
        can_reveal=has_perm(user, Perm.REVEAL_PII),
        vehicles=list(grouped.values()),
        claims=claims,
        interactions=interactions,
        policy_count=len(policies),
        today=today,
        timeline=timeline(user, customer, interactions),
        roles=roles[::-1],
        contacts=contacts,
        can_transfer=has_perm(user, Perm.EDIT_POLICIES),
    )
