"""The manager's cockpit and the ecosystem health view: monthly aggregates from real data,
rates, alerts, guarded absent data."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.ecosystem import cockpit, health
from carecircle.ecosystem.models import BookMonth
from tests.factories import (
    SH,
    AgreementFactory,
    PartnerFactory,
    PolicyFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)
TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


def test_the_book_month_holds_premium_renewals_claims_satisfaction_and_complaints(book):
    # Rows with no unit: total, 3 touchpoints (claims, phone, and brand: the complaint on the
    # timeline), 2 tiers; and head office's total and phone rows: the complaint is handled by
    # the unit of the head-office manager who recorded it (the customer has none).
    assert cockpit.compute_book_month(FEB) == 1 + 3 + 2 + 2
    with clock.frozen_at(TODAY):
        c = cockpit.cockpit(FEB)
    t = c.total
    assert (t.premium, t.renewals_due, t.renewals_renewed) == (Decimal("8000.00"), 2, 1)
    assert (t.policies, t.customers) == (2, 2)  # in force on 28 Feb (the renewal was cancelled)
    assert c.renewal_rate == Decimal("0.500")
    assert (t.claims_closed, c.claim_days) == (1, Decimal("4.0"))
    assert (t.interactions, c.satisfaction) == (4, Decimal("4.50"))
    assert c.complaints_per_10k == Decimal("5000.00")  # 1 complaint, 2 policies in force
    assert c.complaints_per_100m == Decimal("12500.00")  # 1 per ¥8,000
    assert [(x["key"], x["customers"], x["premium"]) for x in c.tiers] == [
        ("gold", 1, Decimal("3000.00")),
        ("standard", 1, Decimal("5000.00")),
    ]
    phone = next(x for x in c.touchpoints if x["key"] == "phone")
    assert (phone["interactions"], phone["complaints"], phone["satisfaction"]) == (1, 1, None)
    assert c.open_complaints == 1
    assert c.overdue_complaints == 1  # due 15 Feb + 72 h, still open on 10 March


def test_recomputing_a_month_replaces_its_rows(book):
    cockpit.compute_book_month(FEB)
    first = BookMonth.objects.filter(month=FEB).count()
    cockpit.compute_book_month(FEB)
    assert BookMonth.objects.filter(month=FEB).count() == first
    assert BookMonth.objects.filter(month=FEB, dimension="total", unit__isnull=True).count() == 1


def test_the_health_view_flags_partners_off_their_agreement(book):
    with clock.frozen_at(TODAY):
        h = health.health(FEB)
    assert [card.partner for card in h.out_of_terms] == [book]
    assert [a.code for a in h.alerts] == ["off_terms:premium_brought"]
    assert h.top5_share == Decimal("1.000")
    assert h.partner_share_of_book == Decimal("0.375")  # ¥3,000 of ¥8,000
    four_s = next(k for k in h.by_kind if k["kind"] == "four_s_shop")
    assert (four_s["partners"], four_s["active"], four_s["premium"]) == (1, 1, Decimal("3000.00"))
    # Give and get: the shop brought ¥3,000 of premium and was sent no repair work.
    assert [(r["partner"], r["premium"], r["repair"], r["ratio"]) for r in h.balance] == [
        (book, Decimal("3000.00"), Decimal("0.00"), Decimal("0.000"))
    ]


def test_a_partner_with_an_agreement_but_no_business_for_three_months_is_an_alert(db):
    idle = PartnerFactory(name="沉睡修理厂", kind="repair_shop")
    AgreementFactory(partner=idle)
    with clock.frozen_at(TODAY):
        h = health.health(FEB)
    assert idle in h.inactive
    assert {a.code for a in h.alerts if a.partner == idle} == {"inactive"}


def test_the_aggregate_command_stores_thirteen_months(db, book):
    from django.core.management import call_command

    out = io.StringIO()
    with clock.frozen_at(TODAY):
        call_command("ecosystem", "aggregate", stdout=out)
    assert '"months": 13' in out.getvalue()
    # one total per month for the rows with no unit (机构), one per unit with business
    assert BookMonth.objects.filter(dimension="total", unit__isnull=True).count() == 13


def test_claim_steps_redemptions_and_renewal_contacts_count_as_contacts_per_touchpoint(book):
    """Issue #7 §3: the cockpit counts every contact on the customer timelines, not only the
    Interaction rows — claim steps (claims), services used (service), renewal calls (phone)
    and an agent's renewal visits (sales). Review flags and reversed services do not count."""
    from carecircle.claims.models import ClaimTransition
    from carecircle.renewals.models import Contact, RenewalTask
    from tests.factories.alliance import OfferFactory, VoucherFactory

    feb = dt.datetime(2026, 2, 14, 10, 0, tzinfo=SH)
    claim = ClaimFactory(policy=PolicyFactory(), status="assessed")
    for action, when in (
        ("assess", feb),
        ("approve", feb),
        ("flag", feb),  # internal: not a contact
        ("assess", dt.datetime(2026, 3, 1, 0, 0, tzinfo=SH)),  # March
    ):
        ClaimTransition.objects.create(claim=claim, action=action, to_status="assessed", at=when)
    offer = OfferFactory()
    for status in ("completed", "reversed"):
        voucher = VoucherFactory(product=offer.product, status="redeemed")
        voucher.redemptions.create(
            merchant=offer.merchant,
            offer=offer,
            agreed_price=offer.price_to_insurer,
            redeemed_at=feb,
            status=status,
        )
    policy = PolicyFactory(effective_date=dt.date(2025, 3, 1), expiry_date=dt.date(2026, 3, 1))
    task = RenewalTask.objects.create(
        policy=policy,
        customer=policy.customer,
        expiry_date=policy.expiry_date,
        premium_last_year=policy.premium,
        stage="telesales",
        status="open",
        segment="standard",
        lift=Decimal("0.1"),
    )
    for k, channel in enumerate(("telesales", "telesales", "inbound", "agent")):
        Contact.objects.create(
            task=task,
            customer=policy.customer,
            channel=channel,
            at=feb,
            outcome="quoted",
            idempotency_key=f"cockpit-{k}",
        )
    # total, 5 touchpoints (claims, phone, brand, and now service and sales), 2 tiers; and
    # head office's total and phone rows (the complaint)
    assert cockpit.compute_book_month(FEB) == 1 + 5 + 2 + 2
    with clock.frozen_at(TODAY):
        c = cockpit.cockpit(FEB)
    contacts = {x["key"]: x["interactions"] for x in c.touchpoints}
    assert contacts == {
        "sales": 1,  # the agent's renewal contact
        "phone": 1 + 3,  # the Interaction row and three renewal calls
        "claims": 2 + 2,  # two Interaction rows and two claim steps
        "service": 1,  # the completed redemption
        "brand": 1,  # the complaint on the timeline
    }
    assert c.total.interactions == 4 + 1 + 3 + 2 + 1
    # Satisfaction still comes from the scored Interaction rows only.
    assert c.satisfaction == Decimal("4.50")
