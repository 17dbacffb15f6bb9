"""Complaints: any channel, hot-spot severities, deadlines, automatic escalation, resolution,
the customer's confirmation and root-cause links."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.ecosystem import scorecards
from carecircle.notify.models import Message
from carecircle.touchpoints.models import Complaint, Interaction
from carecircle.touchpoints.services import complaints
from tests.factories import SH, CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
RECEIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def _receive(customer, user, **kw):
    data = {
        "channel": "phone",
        "category": "speed",
        "severity": "normal",
        "touchpoint": "claims",
        "summary": "理赔太慢",
    } | kw
    with clock.frozen_at(RECEIVED):
        return complaints.receive(customer, acting_user=user, **data)


def test_a_telesales_harassment_complaint_is_high_and_stops_the_calls(people):
    customer = CustomerFactory(marketing_consent=True)
    c = _receive(customer, people["handler"], category="telesales_harassment", touchpoint="phone")
    assert c.complaint_no == f"TS202603{c.pk:06d}"
    assert c.severity == "high"  # chosen "normal", raised: a regulatory hot spot
    assert c.due_at == RECEIVED + dt.timedelta(hours=72)
    customer.refresh_from_db()
    assert customer.do_not_call_until == dt.date(2027, 3, 2)
    assert AuditLog.objects.filter(
        object_type="parties.customer", object_id=str(customer.pk)
    ).exists()
    message = Message.objects.get(customer=customer)
    assert (message.kind, message.purpose) == ("complaint_update", "service")
    contact = Interaction.objects.get(customer=customer)  # on the timeline as a brand contact
    assert (contact.contact_type, contact.medium, contact.outcome) == (
        "brand",
        "phone",
        "complained",
    )


def test_a_regulator_referral_is_at_least_high_and_critical_stays_critical(people):
    customer = CustomerFactory(owner=people["seat"])
    assert _receive(customer, people["seat"], channel="regulator").severity == "high"
    assert _receive(customer, people["seat"], severity="critical").severity == "critical"
    assert _receive(customer, people["seat"], severity="low").due_at == RECEIVED + dt.timedelta(
        days=15
    )


def test_the_life_of_a_complaint_from_receipt_to_the_customers_confirmation(people):
    customer = CustomerFactory(owner=people["seat"])
    shop = PartnerFactory()
    claim = ClaimFactory(policy=PolicyFactory(vehicle__owner=customer), repair_shop=shop)
    c = _receive(customer, people["seat"], category="designated_shop", claim=claim, partner=shop)
    with clock.frozen_at(RECEIVED + dt.timedelta(hours=1)):
        c = complaints.start(c, acting_user=people["handler"])
    assert (c.status, c.owner) == ("in_progress", people["handler"])
    with clock.frozen_at(RECEIVED + dt.timedelta(days=2)):
        c = complaints.resolve(
            c,
            acting_user=people["handler"],
            resolution="协调4S店返修并补偿200元",
            root_cause="修理质量",
            compensation=Decimal("200"),
        )
    assert (c.status, c.compensation) == ("resolved", Decimal("200"))
    login = UserFactory(username="cust", role=Role.CUSTOMER, customer=customer)
    with clock.frozen_at(RECEIVED + dt.timedelta(days=3)):
        c = complaints.confirm(c, acting_user=login, satisfied=True)
    assert (c.status, c.customer_confirmed) == ("closed", True)
    assert c.closed_at == RECEIVED + dt.timedelta(days=3)
    assert [e.action for e in c.events.all()] == ["receive", "start", "resolve", "confirm"]
    assert Message.objects.filter(customer=customer, kind="complaint_update").count() == 2


def test_a_customer_not_satisfied_reopens_with_a_new_deadline(people):
    c = _receive(CustomerFactory(), people["handler"])
    c = complaints.resolve(c, acting_user=people["handler"], resolution="已加急")
    with clock.frozen_at(RECEIVED + dt.timedelta(days=1)):
        c = complaints.confirm(c, acting_user=people["handler"], satisfied=False, note="回访不满意")
    assert (c.status, c.customer_confirmed) == ("reopened", False)
    assert c.due_at == RECEIVED + dt.timedelta(days=1, hours=168)


def test_steps_out_of_order_are_refused(people):
    c = _receive(CustomerFactory(), people["handler"])
    with pytest.raises(DomainError) as caught:
        complaints.confirm(c, acting_user=people["handler"], satisfied=True)
    assert (caught.value.code, caught.value.status) == ("transition_not_allowed", 409)
    with pytest.raises(DomainError):
        complaints.resolve(c, acting_user=people["handler"], resolution="  ")


def test_a_complaint_past_its_deadline_is_escalated_automatically_up_to_the_manager(people):
    c = _receive(
        CustomerFactory(owner=people["seat"]), people["seat"], severity="critical"
    )  # due in 24 h
    assert complaints.escalate_overdue(RECEIVED + dt.timedelta(hours=23)) == 0
    later = RECEIVED + dt.timedelta(hours=25)
    assert complaints.escalate_overdue(later) == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.owner, c.due_at) == (
        1,
        people["handler"],
        later + dt.timedelta(hours=48),
    )
    assert complaints.escalate_overdue(later) == 0  # idempotent
    much_later = later + dt.timedelta(hours=49)
    assert complaints.escalate_overdue(much_later) == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.owner) == (2, people["manager"])
    assert complaints.escalate_overdue(much_later + dt.timedelta(days=10)) == 0  # top level
    assert Complaint.objects.overdue(much_later + dt.timedelta(days=10)).count() == 1
    assert [e.action for e in c.events.all()] == ["receive", "escalate", "escalate"]


def test_a_resolved_complaint_closes_without_an_answer_only_after_the_confirmation_days(people):
    c = _receive(CustomerFactory(), people["handler"])
    with clock.frozen_at(RECEIVED):
        c = complaints.resolve(c, acting_user=people["handler"], resolution="已处理")
    with clock.frozen_at(RECEIVED + dt.timedelta(days=6)), pytest.raises(DomainError) as caught:
        complaints.close_unconfirmed(c, acting_user=people["handler"])
    assert caught.value.code == "awaiting_customer"
    with clock.frozen_at(RECEIVED + dt.timedelta(days=7)):
        c = complaints.close_unconfirmed(c, acting_user=people["handler"])
    assert (c.status, c.customer_confirmed) == ("closed", None)


def test_root_causes_must_belong_to_the_complaint(people):
    customer = CustomerFactory()
    someone_elses = ClaimFactory()
    with pytest.raises(DomainError) as caught:
        _receive(customer, people["handler"], claim=someone_elses)
    assert caught.value.field == "claim"
    with pytest.raises(DomainError) as caught:
        _receive(customer, people["handler"], merchant=PartnerFactory(kind="four_s_shop"))
    assert caught.value.code == "not_a_merchant"


def test_who_may_do_what(people):
    customer = CustomerFactory(owner=people["seat"])
    c = _receive(customer, people["seat"])  # any staff member records a complaint
    with pytest.raises(PermissionDenied):
        complaints.start(c, acting_user=people["seat"])  # handling needs the permission
    partner_user = UserFactory(username="p1", role=Role.PARTNER_USER, partner=PartnerFactory())
    with pytest.raises(PermissionDenied):
        _receive(customer, partner_user)
    stranger = UserFactory(username="c2", role=Role.CUSTOMER, customer=CustomerFactory())
    c = complaints.resolve(c, acting_user=people["handler"], resolution="ok")
    with pytest.raises(PermissionDenied):
        complaints.confirm(c, acting_user=stranger, satisfied=True)


def test_a_complaint_about_a_call_counts_against_the_seat_and_partner_of_that_call(people):
    shop = PartnerFactory(name="好车4S店")
    customer = CustomerFactory(owner=people["seat"])
    call = Interaction.objects.create(
        customer=customer,
        contact_type="phone",
        medium="phone",
        direction="outbound",
        outcome="no_answer",
        occurred_at=RECEIVED - dt.timedelta(hours=2),
        staff=people["seat"],
        partner=shop,
    )
    c = _receive(
        customer, people["handler"], category="attitude", touchpoint="phone", interaction=call
    )
    assert (c.staff, c.partner) == (people["seat"], shop)
    figures = scorecards.figures(dt.date(2026, 3, 1), [shop.pk])[shop.pk]
    assert figures.complaints == 1


def test_a_designated_shop_complaint_about_a_claim_counts_in_that_shops_scorecard(people):
    shop = PartnerFactory(name="城西修理厂")
    customer = CustomerFactory()
    claim = ClaimFactory(policy=PolicyFactory(vehicle__owner=customer), repair_shop=shop)
    c = _receive(customer, people["handler"], category="designated_shop", claim=claim)
    assert c.partner == shop
    speed = _receive(customer, people["handler"], category="speed", claim=claim)
    assert speed.partner is None  # the payment's speed is the insurer's, not the shop's
    assert scorecards.figures(dt.date(2026, 3, 1), [shop.pk])[shop.pk].complaints == 1


def test_a_complaint_past_its_deadline_shows_on_the_cockpit_overdue_and_escalated(client, people):
    c = _receive(CustomerFactory(owner=people["seat"]), people["seat"], severity="critical")
    later = RECEIVED + dt.timedelta(hours=25)
    client.force_login(people["manager"])
    with clock.frozen_at(later):
        before = client.get("/ecosystem/")
        assert complaints.escalate_overdue(later) == 1
        after = client.get("/ecosystem/")
    assert before.context["c"].overdue_complaints == 1  # live, before the command ran
    assert before.context["c"].escalated_complaints == 0
    assert (after.context["c"].overdue_complaints, after.context["c"].escalated_complaints) == (
        0,  # escalation gives 48 more hours
        1,
    )
    assert "已升级 1" in after.content.decode()
    c.refresh_from_db()
    assert c.owner == people["handler"]
