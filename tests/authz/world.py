"""The authorization matrix's world: two units under two city branches, each with a team (a
seat and its leader), a 4S shop that is also a network repair shop, a merchant, and a customer
whose every kind of row exists once — and the other roles (a city-branch manager, a service
manager, claims handler and approver, an underwriter, a sales agent) in unit A, a head-office manager, and
anonymous.

Every role's *own* objects are side A's, its *foreign* ones side B's (``World.side(own)``).
Built once per test module inside one transaction (``tests/authz/conftest.py``).

Tree::

    总公司 00000000 (head office: ho_manager)
      └ 浙江分公司 33000000
          ├ 杭州中心支公司 33010000 (manager)
          │   └ 西湖支公司 33010100 = unit A (team A, the other unit-A staff)
          └ 宁波中心支公司 33020000
              └ 海曙支公司 33020100 = unit B (team B)

A third customer, ``shared``, in unit A, holds one policy brought by shop A and another (on a
second car, with a claim repaired at shop B and an interaction with shop B) brought by shop B:
the probes check that neither shop sees the other's rows of a customer they share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.test import Client

from carecircle.core import clock
from carecircle.core.models import OrgUnit, UnitLevel, User
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from carecircle.notify.links import unsubscribe_token
from carecircle.parties.models import Customer, Partner, Team
from carecircle.touchpoints.services.surveys import token_for
from tests.factories import (
    BookingFactory,
    ClaimDocumentFactory,
    ComplaintEventFactory,
    ComplaintFactory,
    CoverageFactory,
    CustomerFactory,
    DataExportFactory,
    InteractionFactory,
    LetterTaskFactory,
    ListEntryFactory,
    LocationFactory,
    MerchantFactory,
    MessageFactory,
    ModelVersionFactory,
    OfferFactory,
    OwnershipTransferFactory,
    PartnerFactory,
    PaymentOrderFactory,
    PolicyFactory,
    PrivacyRequestFactory,
    ProductFactory,
    ProposalFactory,
    RedemptionFactory,
    RenewalTaskFactory,
    RepairServiceFactory,
    RepairTermsFactory,
    StatementFactory,
    StatementLineFactory,
    SurveyFactory,
    TeamFactory,
    TierReviewFactory,
    UnderwritingReferralFactory,
    UserFactory,
    VehicleFactory,
    VoucherFactory,
)
from tests.factories.core import SH

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday: policies in force, vouchers valid

# The roles the matrix requests every route as, in the order the table lists them.
ANON = "anon"
CUSTOMER = "customer"
SEAT = "seat"
LEADER = "leader"
AGENT = "agent"
MANAGER = "manager"  # a city-branch manager (杭州中心支公司), above unit A
SERVICE = "service"
HANDLER = "handler"
APPROVER = "approver"
UNDERWRITER = "underwriter"  # 核保 (#16): reads the book of unit A's subtree, decides referrals
HO = "ho"  # a manager at head office: every unit
SHOP = "shop"  # a 4S shop's user (the shop is also a network repair shop)
MERCHANT = "merchant"

ROLES = (
    ANON,
    CUSTOMER,
    SEAT,
    LEADER,
    AGENT,
    MANAGER,
    SERVICE,
    HANDLER,
    APPROVER,
    UNDERWRITER,
    HO,
    SHOP,
    MERCHANT,
)


@dataclass
class Side:
    """One unit's rows: what its people own, and what the other side's people must not reach."""

    name: str
    unit: OrgUnit
    city_unit: OrgUnit
    team: Team
    seat: User
    leader: User
    shop: Partner
    shop_user: User
    merchant: Partner
    merchant_user: User
    customer: Customer
    customer_user: User
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class World:
    head_office: OrgUnit
    a: Side
    b: Side
    users: dict[str, User | None]  # role → the user requesting as that role (None: anonymous)
    shared: dict[str, Any]
    model_version: Any

    def side(self, own: bool) -> Side:
        return self.a if own else self.b


def _unit(code: str, name: str, level: str, parent: OrgUnit, city: str = "") -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(
        code=code,
        defaults={"name": name, "level": level, "parent": parent, "province": "浙江", "city": city},
    )
    return unit


def _stored(name: str, body: bytes) -> str:
    return default_storage.save(name, ContentFile(body))


def _side(
    name: str,
    unit: OrgUnit,
    city_unit: OrgUnit,
    city: str,
    product,
    agent: User | None,
) -> Side:
    n = name.lower()
    team = TeamFactory(name=f"电销{name}组", unit=unit)
    seat = UserFactory(
        username=f"seat_{n}", display_name=f"坐席{name}", role=Role.SEAT, unit=unit, team=team
    )
    leader = UserFactory(
        username=f"leader_{n}", display_name=f"组长{name}", role=Role.SEAT, unit=unit, team=team
    )
    team.leader = leader
    team.save(update_fields=["leader"])

    shop = PartnerFactory(code=f"4S{name}", name=f"{city}4S店{name}", kind="four_s_shop", city=city)
    RepairTermsFactory(shop=shop)  # a real shop: in the repair network, claims are sent to it
    shop_user = UserFactory(username=f"shop_{n}", role=Role.PARTNER_USER, partner=shop)

    merchant = MerchantFactory(code=f"M{name}", name=f"{city}洗车行{name}", city=city)
    offer = OfferFactory(merchant=merchant, product=product, price_to_insurer=Decimal("35.50"))
    location = LocationFactory(merchant=merchant, city=city)
    merchant_user = UserFactory(username=f"merchant_{n}", role=Role.MERCHANT_USER, partner=merchant)

    customer = CustomerFactory(
        customer_no=f"C9{'1' if name == 'A' else '2'}000001",
        name=f"客户{name}",
        city=city,
        unit=unit,
        owner=seat,
    )
    customer_user = UserFactory(username=f"customer_{n}", role=Role.CUSTOMER, customer=customer)

    vehicle = VehicleFactory(owner=customer)
    policy = PolicyFactory(
        vehicle=vehicle,
        customer=customer,
        unit=unit,
        partner=shop,
        channel="four_s_shop",
        agent=agent,
    )
    CoverageFactory(policy=policy, code="vehicle_damage", limit=Decimal("150000.00"))
    claim = _claim(policy, unit=unit, shop=shop, no=f"CLAUTHZ{name}0001")
    document = ClaimDocumentFactory(
        claim=claim,
        file=_stored(f"claims/authz/{n}.jpg", b"\xff\xd8\xff authz " + name.encode()),
        original_name=f"photo-{n}.jpg",
    )

    voucher = VoucherFactory(customer=customer, product=product, policy=policy)
    used = VoucherFactory(customer=customer, product=product, status="redeemed", merchant=merchant)
    redemption = RedemptionFactory(offer=offer, voucher=used, merchant=merchant)
    booking = BookingFactory(location=location, voucher=voucher, day=dt.date(2026, 3, 9))
    statement = StatementFactory(
        merchant=merchant, month=dt.date(2026, 2, 1), total=Decimal("10.00")
    )
    StatementLineFactory(statement=statement, amount=Decimal("10.00"))

    complaint = ComplaintFactory(customer=customer, unit=unit, partner=shop)
    ComplaintEventFactory(complaint=complaint)
    task = RenewalTaskFactory(policy=policy, customer=customer, unit=unit, assignee=seat)
    referral = UnderwritingReferralFactory(task=task, list_entry_id=9_000 + ord(name))
    interaction = InteractionFactory(customer=customer, partner=shop)
    repair = RepairServiceFactory(customer=customer, vehicle=vehicle, shop=shop)
    letter = LetterTaskFactory(message__customer=customer)
    message = MessageFactory(customer=customer)
    review = TierReviewFactory(customer=customer)
    entry = ListEntryFactory(customer=customer)
    proposal = ProposalFactory(vehicle=vehicle, customer=customer, pay_token=f"authz-pay-{n}")
    order = PaymentOrderFactory(proposal=proposal, reference=f"AUTHZPAY{name}")
    survey = SurveyFactory(customer=customer, sent_at=NOW, expires_at=NOW + dt.timedelta(days=7))
    # A second car the customer bought from someone of the same unit (过户).
    transfer = OwnershipTransferFactory(
        vehicle=VehicleFactory(owner=customer),
        from_owner=CustomerFactory(unit=unit, city=city),
        to_owner=customer,
    )
    privacy_request = PrivacyRequestFactory(customer=customer, received_at=NOW)
    export = DataExportFactory(customer=customer, request__customer=customer)

    return Side(
        name=name,
        unit=unit,
        city_unit=city_unit,
        team=team,
        seat=seat,
        leader=leader,
        shop=shop,
        shop_user=shop_user,
        merchant=merchant,
        merchant_user=merchant_user,
        customer=customer,
        customer_user=customer_user,
        objects={
            "offer": offer,
            "location": location,
            "vehicle": vehicle,
            "policy": policy,
            "claim": claim,
            "document": document,
            "voucher": voucher,
            "used_voucher": used,
            "redemption": redemption,
            "booking": booking,
            "statement": statement,
            "complaint": complaint,
            "task": task,
            "referral": referral,
            "interaction": interaction,
            "repair": repair,
            "letter": letter,
            "message": message,
            "unsubscribe_token": unsubscribe_token(message.pk),
            "review": review,
            "entry": entry,
            "proposal": proposal,
            "order": order,
            "survey": survey,
            "survey_token": token_for(survey),
            "transfer": transfer,
            "privacy_request": privacy_request,
            "export": export,
        },
    )


def _claim(policy, *, unit, shop, no):
    from tests.factories import ClaimFactory

    return ClaimFactory(
        claim_no=no,
        policy=policy,
        vehicle=policy.vehicle,
        unit=unit,
        repair_shop=shop,
        status="registered",
        amount_reserved=Decimal("3200.00"),
    )


def build_world() -> World:
    root = head_office()
    province = _unit("33000000", "浙江分公司", UnitLevel.PROVINCE, root)
    city_a = _unit("33010000", "杭州中心支公司", UnitLevel.CITY, province, "杭州")
    city_b = _unit("33020000", "宁波中心支公司", UnitLevel.CITY, province, "宁波")
    unit_a = _unit("33010100", "西湖支公司", UnitLevel.SUB_BRANCH, city_a, "杭州")
    unit_b = _unit("33020100", "海曙支公司", UnitLevel.SUB_BRANCH, city_b, "宁波")
    product = ProductFactory()

    agent = UserFactory(username="agent_a", role=Role.SALES_AGENT, unit=unit_a)
    a = _side("A", unit_a, city_a, "杭州", product, agent)
    b = _side("B", unit_b, city_b, "宁波", product, None)

    # A customer both shops brought a policy for (on two cars): each shop sees its own policy,
    # claim and interaction of this customer, never the other shop's.
    shared = CustomerFactory(customer_no="C93000001", name="共享客户", unit=unit_a, owner=a.seat)
    car_a, car_b = VehicleFactory(owner=shared), VehicleFactory(owner=shared)
    by_a = PolicyFactory(vehicle=car_a, unit=unit_a, partner=a.shop, channel="four_s_shop")
    by_b = PolicyFactory(vehicle=car_b, unit=unit_a, partner=b.shop, channel="four_s_shop")
    claim_b = _claim(by_b, unit=unit_a, shop=b.shop, no="CLAUTHZS0001")
    shared_rows = {
        "customer": shared,
        "car_a": car_a,
        "car_b": car_b,
        "policy_a": by_a,
        "policy_b": by_b,
        "claim_b": claim_b,
        "document_b": ClaimDocumentFactory(
            claim=claim_b, file=_stored("claims/authz/shared.jpg", b"\xff\xd8\xff shared")
        ),
        "interaction_b": InteractionFactory(customer=shared, partner=b.shop),
        "voucher": VoucherFactory(customer=shared, product=product),
    }

    users: dict[str, User | None] = {
        ANON: None,
        CUSTOMER: a.customer_user,
        SEAT: a.seat,
        LEADER: a.leader,
        AGENT: agent,
        MANAGER: UserFactory(username="manager_a", role=Role.MANAGER, unit=city_a),
        SERVICE: UserFactory(username="service_a", role=Role.SERVICE_MANAGER, unit=unit_a),
        HANDLER: UserFactory(username="handler_a", role=Role.CLAIMS_HANDLER, unit=unit_a),
        APPROVER: UserFactory(username="approver_a", role=Role.CLAIMS_APPROVER, unit=unit_a),
        UNDERWRITER: UserFactory(username="underwriter_a", role=Role.UNDERWRITER, unit=unit_a),
        HO: UserFactory(username="manager_ho", role=Role.MANAGER, unit=root),
        SHOP: a.shop_user,
        MERCHANT: a.merchant_user,
    }
    return World(
        head_office=root,
        a=a,
        b=b,
        users=users,
        shared=shared_rows,
        model_version=ModelVersionFactory(),
    )


@contextmanager
def world_rolled_back() -> Iterator[tuple[World, dict[str, Client]]]:
    """The world and one logged-in client per role (anonymous: not logged in), built inside a
    transaction on every database that is rolled back at the end; clocks stand at ``NOW``.
    The caller unblocks the database (a module-scoped fixture: ``django_db_blocker``)."""
    atomics = [transaction.atomic(using=alias) for alias in connections]
    for atomic in atomics:
        atomic.__enter__()
    try:
        with clock.frozen_at(NOW):
            world = build_world()
            clients: dict[str, Client] = {}
            for role, user in world.users.items():
                client = Client()
                if user is not None:
                    client.force_login(user)
                clients[role] = client
            yield world, clients
    finally:
        for alias in connections:
            transaction.set_rollback(True, using=alias)
        for atomic in reversed(atomics):
            atomic.__exit__(None, None, None)
