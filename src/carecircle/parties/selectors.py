"""Read queries for the customer search and the customer 360 page.

Every queryset starts from ``Model.objects.restrict(user)``. Every search kind is an indexed
equality or prefix lookup; ``NAME_CONTAINS`` (used when a name prefix finds nobody) is served
on PostgreSQL by the character-pair index ``customer_name_grams``. Pages are ``LIMIT page_size + 1`` slices ordered by primary key: the
extra row says whether a next page exists, so no ``COUNT(*)`` runs over the book.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Prefetch, TextField
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carecircle.alliance.models import Redemption
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.core import clock
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.policies.models import Coverage, Policy
from carecircle.renewals.models import Contact
from carecircle.touchpoints.choices import ContactType
from carecircle.touchpoints.models import Interaction

from .models import Customer, CustomerQuerySet, Vehicle

MAX_PAGE = 40  # 40 × 25 = 1,000 results; past that the user is asked to narrow the query
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


class SearchKind(models.TextChoices):
    AUTO = "auto", _("自动识别 / Auto-detect")
    NAME = "name", _("姓名前缀 / Name prefix")
    NAME_CONTAINS = "name_contains", _("姓名包含 / Name contains")
    PHONE = "phone", _("完整手机号 / Full mobile number")
    PHONE_LAST4 = "phone_last4", _("手机尾号 / Mobile last 4 digits")
    ID_NUMBER = "id_number", _("身份证号 / ID number")
    PLATE = "plate", _("车牌号 / Plate")
    VIN = "vin", _("车架号 / VIN")
    POLICY_NO = "policy_no", _("保单号 / Policy no.")
    CUSTOMER_NO = "customer_no", _("客户号 / Customer no.")
    IDENTIFIER = "identifier", _("客户号或保单号 / Customer or policy no.")


# What the results header says was searched ("按手机号查找 / searched by full phone").
SEARCHED_BY = {
    SearchKind.NAME: _("按姓名前缀查找 / searched by name prefix"),
    SearchKind.NAME_CONTAINS: _("按姓名包含查找 / searched by name containing"),
    SearchKind.PHONE: _("按完整手机号查找 / searched by full phone"),
    SearchKind.PHONE_LAST4: _("按手机尾号查找 / searched by phone last 4 digits"),
    SearchKind.ID_NUMBER: _("按身份证号查找 / searched by ID number"),
    SearchKind.PLATE: _("按车牌号查找 / searched by plate"),
    SearchKind.VIN: _("按车架号查找 / searched by VIN"),
    SearchKind.POLICY_NO: _("按保单号查找 / searched by policy no."),
    SearchKind.CUSTOMER_NO: _("按客户号查找 / searched by customer no."),
    SearchKind.IDENTIFIER: _("按客户号或保单号查找 / searched by customer or policy no."),
}


@dataclass(frozen=True)
class SearchTerm:
    kind: str  # a SearchKind other than AUTO
    value: str  # normalised
    hint: str = ""  # e.g. why an ID-like value was not searched as an ID number


@dataclass
class CustomerRow:
    customer: Customer
    shown_name: str


@dataclass
class SearchPage:
    term: SearchTerm
    kind: str  # the kind actually searched (IDENTIFIER resolves to one of its two)
    rows: list[CustomerRow]
    number: int
    has_next: bool
    too_many: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def searched_by(self) -> str:
        return str(SEARCHED_BY[SearchKind(self.kind)])

    @property
    def first_index(self) -> int:
        return (self.number - 1) * page_size() + 1


def page_size() -> int:
    return int(getattr(settings, "CARECIRCLE", {}).get("SEARCH_PAGE_SIZE", 25))


def _filter(qs: CustomerQuerySet, kind: str, value: str) -> models.QuerySet:
    if kind == SearchKind.NAME:
        return qs.filter(name__startswith=value)
    if kind == SearchKind.NAME_CONTAINS:
        return name_contains(qs, value)
    if kind == SearchKind.PHONE:
        return qs.search_phone(value)
    if kind == SearchKind.PHONE_LAST4:
        return qs.filter(phone_last4=value)
    if kind == SearchKind.ID_NUMBER:
        return qs.search_id_number(value)
    if kind == SearchKind.CUSTOMER_NO:
        return qs.filter(customer_no=value)
    if kind == SearchKind.PLATE:
        owners = Vehicle.objects.filter(plate=value).values("owner_id")
        return qs.filter(pk__in=owners)
    if kind == SearchKind.VIN:
        # ``exclude(vin="")`` repeats the partial unique index's condition so SQLite uses it.
        owners = Vehicle.objects.filter(vin=value).exclude(vin="").values("owner_id")
        return qs.filter(pk__in=owners)
    if kind == SearchKind.POLICY_NO:
        return qs.filter(pk__in=Policy.objects.filter(policy_no=value).values("customer_id"))
    raise ValueError(f"unknown search kind {kind!r}")


def name_grams(value: str) -> list[str]:
    """The grams a name must hold to contain ``value``: its character pairs, or the one
    character (the ``cc_name_grams`` index, parties/migrations/0003)."""
    if len(value) < 2:
        return [value]
    return sorted({value[i : i + 2] for i in range(len(value) - 1)})


def name_contains(qs: models.QuerySet, value: str) -> models.QuerySet:
    if connection.vendor != "postgresql" or not value:
        return qs.filter(name__contains=value)
    # The index narrows to names holding every pair; LIKE re-checks that they are adjacent
    # and in order. The expression must match the index's exactly for the planner to use it.
    grams = Func(F("name"), function="cc_name_grams", output_field=ArrayField(TextField()))
    return qs.alias(name_grams=grams).filter(
        name_grams__contains=name_grams(value), name__contains=value
    )


def _page(qs: models.QuerySet, number: int, size: int) -> tuple[list[Customer], bool]:
    # Key order: PostgreSQL walks the primary key and stops at the page for common values
    # (a surname) and sorts the few matches of a rare one; no ORDER BY name, which a
    # non-C collation cannot serve from the ``varchar_pattern_ops`` index LIKE uses.
    start = (number - 1) * size
    found = list(qs.order_by("pk")[start : start + size + 1])
    return found[:size], len(found) > size


def search_customers(user: Any, term: SearchTerm, number: int = 1) -> SearchPage:
    """One page of the customers ``user`` may see that match ``term``; masked data only."""
    size = page_size()
    number = max(1, number)
    if number > MAX_PAGE:
        return SearchPage(term, term.kind, [], number, has_next=False, too_many=True)
    # Lists never load the ciphertexts (nothing to decrypt) nor the owner's password hash.
    base = (
        Customer.objects.restrict(user)
        .select_related("owner")
        .defer("phone_encrypted", "id_number_encrypted", "owner__password")
    )
    kind = term.kind
    if kind == SearchKind.IDENTIFIER:
        # A code that is not a phone, ID, plate or VIN: customer no. first, then policy no.
        kind = SearchKind.CUSTOMER_NO
        customers, has_next = _page(_filter(base, kind, term.value), number, size)
        if not customers:
            kind = SearchKind.POLICY_NO
            customers, has_next = _page(_filter(base, kind, term.value), number, size)
    else:
        customers, has_next = _page(_filter(base, kind, term.value), number, size)
        if not customers and kind == SearchKind.NAME and number == 1:
            kind = SearchKind.NAME_CONTAINS
            customers, has_next = _page(_filter(base, kind, term.value), number, size)
    rows = [CustomerRow(c, c.display_name_for(user)) for c in customers]
    return SearchPage(
        term, kind, rows, number, has_next=has_next, too_many=has_next and number == MAX_PAGE
    )


# ---------------------------------------------------------------- customer 360


@dataclass
class PolicyChain:
    """Policies of one kind on one vehicle linked by ``renews``, oldest first."""

    kind_label: str
    policies: list[Policy]


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

    @property
    def do_not_call(self) -> bool:
        until = self.customer.do_not_call_until
        return until is not None and until >= self.today


def customer_for(user: Any, customer_id: int) -> Customer:
    """The customer if ``user`` may see them, else ``Customer.DoesNotExist``."""
    return (
        Customer.objects.restrict(user)
        .select_related("owner")
        .defer("owner__password")
        .get(pk=customer_id)
    )


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


def customer_360(user: Any, customer: Customer) -> Customer360:
    """Everything on the 360 page in a fixed number of indexed queries (six, plus three for
    the timeline's claim steps, redemptions and renewal contacts)."""
    vehicles = list(Vehicle.objects.restrict(user).filter(owner=customer).order_by("pk"))
    policies = list(
        Policy.objects.restrict(user)
        .filter(customer=customer)
        .select_related("vehicle", "partner", "agent")
        .prefetch_related(Prefetch("coverages", queryset=Coverage.objects.order_by("pk")))
        .order_by("effective_date", "pk")
    )
    claims = list(
        Claim.objects.restrict(user)
        .filter(policy__customer=customer)
        .select_related("policy", "vehicle")
        .order_by("-accident_at", "-pk")[:CLAIMS_SHOWN]
    )
    interactions = list(
        Interaction.objects.restrict(user)
        .filter(customer=customer)
        .select_related("staff", "partner")
        .order_by("-occurred_at", "-pk")[:INTERACTIONS_SHOWN]
    )
    today = clock.today()
    grouped: dict[int, VehiclePolicies] = {v.pk: VehiclePolicies(v) for v in vehicles}
    per_vehicle: dict[int, list[Policy]] = {}
    for p in policies:
        # A policy on a vehicle the customer no longer owns still belongs on their timeline.
        grouped.setdefault(p.vehicle_id, VehiclePolicies(p.vehicle))
        per_vehicle.setdefault(p.vehicle_id, []).append(p)
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
    )
