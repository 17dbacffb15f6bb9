"""The manager's cockpit and the ecosystem health view: monthly aggregates from real data,
rates, alerts, guarded absent data, export and access."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem import cockpit, health, scorecards
from carecircle.ecosystem.models import BookMonth
from carecircle.touchpoints import complaints
from carecircle.touchpoints.models import Interaction
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import (
    SH,
    AgreementFactory,
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)
TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)


def _value(customer, tier, premium):
    run = ValueRun.objects.filter(is_current=True).first() or ValueRun.objects.create(
        as_of=dt.date(2026, 3, 1), status="succeeded", is_current=True
    )
    return CustomerValue.objects.create(
        run=run,
        customer=customer,
        tenure_years=Decimal("3.0"),
        loss_ratio_credible=Decimal("0.5"),
        renewal_probability=Decimal("0.8"),
        value_percentile=Decimal("0.5"),
        rule_tier=tier,
        tier=tier,
        annual_premium=Decimal(premium),
    )


@pytest.fixture
def book():
    """February 2026: 2 policies written (¥8,000), 2 due (1 renewed), 1 claim closed in 4 days,
    3 contacts (2 scored), 1 complaint about the phone touchpoint; a 4S shop off its terms."""
    shop = PartnerFactory(name="城东4S店")
    AgreementFactory(partner=shop, premium_target_monthly=Decimal("50000"))
    a, b = CustomerFactory(), CustomerFactory()
    p1 = PolicyFactory(
        vehicle__owner=a,
        partner=shop,
        effective_date=dt.date(2026, 2, 3),
        expiry_date=dt.date(2027, 2, 3),
        premium=Decimal("3000"),
    )
    PolicyFactory(
        vehicle__owner=b,
        effective_date=dt.date(2026, 2, 10),
        expiry_date=dt.date(2027, 2, 10),
        premium=Decimal("5000"),
    )
    old = PolicyFactory(effective_date=dt.date(2025, 2, 20), expiry_date=dt.date(2026, 2, 20))
    PolicyFactory(
        vehicle=old.vehicle,
        renews=old,
        effective_date=dt.date(2026, 2, 20),
        expiry_date=dt.date(2027, 2, 20),
        premium=Decimal("0.01"),
        cancelled_on=dt.date(2026, 2, 21),  # a renewal cancelled: still renewed, not written
    )
    PolicyFactory(effective_date=dt.date(2025, 2, 25), expiry_date=dt.date(2026, 2, 25))
    ClaimFactory(
        policy=p1,
        status="closed",
        reported_at=dt.datetime(2026, 2, 5, 10, 0, tzinfo=SH),
        accident_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=SH),
        closed_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=SH),
    )
    for score, kind in ((5, "claims"), (4, "claims"), (None, "phone")):
        Interaction.objects.create(
            customer=a,
            contact_type=kind,
            medium="phone",
            direction="outbound",
            outcome="reached",
            occurred_at=dt.datetime(2026, 2, 11, 10, 0, tzinfo=SH),
            satisfaction=score,
        )
    handler = UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    with clock.frozen_at(dt.datetime(2026, 2, 12, 10, 0, tzinfo=SH)):
        complaints.receive(
            a,
            acting_user=handler,
            channel="phone",
            category="telesales_harassment",
            severity="normal",
            touchpoint="phone",
            summary="一天三个电话",
        )
    _value(a, "gold", "3000")
    _value(b, "standard", "5000")
    return shop


def test_the_book_month_holds_premium_renewals_claims_satisfaction_and_complaints(book):
    # total, 3 touchpoints (claims, phone, and brand: the complaint on the timeline), 2 tiers
    assert cockpit.compute_book_month(FEB) == 1 + 3 + 2
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
    cockpit.compute_book_month(FEB)
    assert BookMonth.objects.filter(month=FEB, dimension="total").count() == 1


def test_a_month_not_aggregated_says_so_instead_of_showing_zeros(client, book):
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert 'id="not-aggregated"' in page
    cockpit.compute_book_month(FEB)
    scorecards.compute_month(FEB)
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert 'id="not-aggregated"' not in page
    assert "¥8,000.00" in page
    assert 'id="eco-charts"' in page


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


def test_the_cockpit_exports_as_csv(client, book):
    cockpit.compute_book_month(FEB)
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    response = client.get("/ecosystem/cockpit.csv?month=2026-02")
    assert response["Content-Disposition"] == 'attachment; filename="cockpit-2026-02.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "figure", "value"]
    assert ["book", "", "premium_written", "8000.00"] in rows
    assert ["book", "", "renewal_rate", "0.500"] in rows
    assert ["tier", "gold", "customers", "1"] in rows


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MANAGER, 200), (Role.SERVICE_MANAGER, 200), (Role.SEAT, 403), (Role.PARTNER_USER, 403)],
)
def test_only_managers_open_the_cockpit(client, db, role, status):
    UserFactory(username="u", role=role)
    client.login(username="u", password="pw-for-tests-1")
    assert client.get("/ecosystem/").status_code == status
    assert client.get("/ecosystem/cockpit.csv").status_code == status


def test_the_aggregate_command_stores_thirteen_months(db, book):
    from django.core.management import call_command

    out = io.StringIO()
    with clock.frozen_at(TODAY):
        call_command("ecosystem", "aggregate", stdout=out)
    assert '"months": 13' in out.getvalue()
    assert BookMonth.objects.filter(dimension="total").count() == 13


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
    # total, 5 touchpoints (claims, phone, brand, and now service and sales), 2 tiers
    assert cockpit.compute_book_month(FEB) == 1 + 5 + 2
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


def test_the_cockpit_shows_service_activity_over_the_policy_year(client, db):
    """服务活跃度 on the cockpit: of the customers holding a voucher valid in the year to the
    month's end, the share who used one — here 1 of 2 (a voucher ended before that year and
    its customer do not count)."""
    from tests.factories.alliance import VoucherFactory

    used = VoucherFactory(valid_from=dt.date(2025, 6, 1), valid_until=dt.date(2026, 5, 31))
    used.status = "redeemed"
    used.save(update_fields=["status"])
    VoucherFactory(valid_from=dt.date(2025, 6, 1), valid_until=dt.date(2026, 5, 31))
    VoucherFactory(valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2025, 1, 31))  # too old
    cockpit.compute_book_month(FEB)
    total = BookMonth.objects.get(month=FEB, dimension="total")
    assert (total.service_entitled, total.service_active) == (2, 1)
    UserFactory(username="boss2", role=Role.MANAGER)
    client.login(username="boss2", password="pw-for-tests-1")
    page = client.get("/ecosystem/?month=2026-02").content.decode()
    assert "服务活跃度 / activity 50.0% (1/2)" in page
