"""Partner scorecards: figures from real data against the agreement, drill-down, and who may
see them (a partner sees its own only; never customers' full personal details)."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.ecosystem import scorecards
from carecircle.ecosystem.models import PartnerMonth
from carecircle.touchpoints.models import Complaint, Interaction
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


@pytest.fixture
def shop_book():
    """A 4S shop's February: 3 policies brought, 2 due (1 renewed), 2 claims sent, 1 paid."""
    shop = PartnerFactory(code="P4S001", name="杭州大众4S店")
    other = PartnerFactory(code="P4S002", name="杭州丰田4S店")
    AgreementFactory(
        partner=shop,
        agreement_no="AG-4S-001",
        premium_target_monthly=Decimal("10000"),
        repair_value_target_monthly=Decimal("3000"),
        repair_to_premium_min=Decimal("0.3"),
        repair_to_premium_max=Decimal("0.6"),
        renewal_rate_target=Decimal("0.7"),
        satisfaction_target=Decimal("4.2"),
        complaints_per_10k_max=Decimal("50"),
        repair_cost_index_max=Decimal("1.1"),
        settlement_days_max=Decimal("10"),
        commission_rate=Decimal("0.1"),
    )
    customer = CustomerFactory(name="周杰伦")
    brought = [
        PolicyFactory(
            partner=shop,
            vehicle__owner=customer if i == 0 else CustomerFactory(),
            effective_date=dt.date(2026, 2, 10 + i),
            expiry_date=dt.date(2027, 2, 10 + i),
            premium=Decimal(premium),
        )
        for i, premium in enumerate(["4000", "3000", "5000"])
    ]
    PolicyFactory(  # cancelled: not premium brought
        partner=shop,
        effective_date=dt.date(2026, 2, 15),
        expiry_date=dt.date(2027, 2, 15),
        premium=Decimal("9999"),
        cancelled_on=dt.date(2026, 2, 20),
    )
    PolicyFactory(partner=other, effective_date=dt.date(2026, 2, 5), premium=Decimal("7000"))
    due_renewed = PolicyFactory(
        partner=shop, effective_date=dt.date(2025, 2, 5), expiry_date=dt.date(2026, 2, 5)
    )
    PolicyFactory(
        vehicle=due_renewed.vehicle,
        renews=due_renewed,
        effective_date=dt.date(2026, 2, 5),
        expiry_date=dt.date(2027, 2, 5),
    )
    PolicyFactory(partner=shop, effective_date=dt.date(2025, 2, 7), expiry_date=dt.date(2026, 2, 7))
    ClaimFactory(
        claim_no="CLM-PAID",
        policy=brought[0],
        repair_shop=shop,
        amount_paid=Decimal("2000"),
        status="paid",
        paid_at=dt.datetime(2026, 2, 8, 10, 0, tzinfo=SH),
    )
    ClaimFactory(
        claim_no="CLM-OPEN", policy=brought[1], repair_shop=shop, amount_reserved=Decimal("3000")
    )
    ClaimFactory(
        claim_no="CLM-OTHER",
        repair_shop=other,
        amount_paid=Decimal("1000"),
        status="paid",
        paid_at=dt.datetime(2026, 2, 9, 10, 0, tzinfo=SH),
    )
    for score in (5, 3):
        Interaction.objects.create(
            customer=customer,
            contact_type="service",
            medium="store",
            direction="inbound",
            outcome="resolved",
            occurred_at=dt.datetime(2026, 2, 12, 11, 0, tzinfo=SH),
            partner=shop,
            satisfaction=score,
        )
    Complaint.objects.create(
        complaint_no="TS2026020001",
        customer=customer,
        channel="phone",
        category="designated_shop",
        severity="normal",
        touchpoint="claims",
        summary="修理质量差",
        received_at=dt.datetime(2026, 2, 20, 9, 0, tzinfo=SH),
        due_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH),
        partner=shop,
    )
    return shop, other, customer


def test_the_scorecard_counts_real_policies_claims_scores_and_complaints(shop_book):
    shop, *_ = shop_book
    card = scorecards.scorecard(shop, FEB)
    f = card.figures
    assert (f.policies_brought, f.premium_brought) == (3, Decimal("12000.00"))
    assert (f.repair_claims, f.repair_value, f.repair_paid) == (
        2,
        Decimal("5000.00"),
        Decimal("2000.00"),
    )
    assert f.repair_to_premium == Decimal("0.417")
    assert (f.renewals_due, f.renewals_renewed, f.renewal_rate) == (2, 1, Decimal("0.500"))
    assert f.satisfaction == Decimal("4.00")
    assert (f.complaints, f.policies_in_force, f.complaints_per_10k) == (
        1,
        3,
        Decimal("3333.3"),
    )
    # network: (2000 + 1000) / 2 paid claims; this shop 2000 per claim → 1.333 of the network
    assert f.network_avg_repair == Decimal("1500.00")
    assert f.repair_cost_index == Decimal("1.333")
    assert f.settlement_days == Decimal("5.0")


def test_each_figure_is_judged_against_the_agreement(shop_book):
    shop, *_ = shop_book
    verdicts = {line.key: line.verdict for line in scorecards.scorecard(shop, FEB).lines}
    assert verdicts == {
        "premium_brought": "met",
        "policies_brought": "no_target",
        "customers_referred": "no_target",
        "repair_claims": "no_target",
        "services_delivered": "no_target",
        "repair_value": "met",
        "repair_paid": "no_target",
        "service_value": "no_target",
        "commission": "no_target",
        "referral_fees": "no_target",
        "repair_to_premium": "met",
        "renewal_rate": "below",
        "satisfaction": "below",
        "complaints": "no_target",
        "complaints_per_10k": "above",
        "repair_cost_index": "above",
        "settlement_days": "met",
    }
    commission = next(x for x in scorecards.scorecard(shop, FEB).gets if x.key == "commission")
    assert commission.value == Decimal("1200.00")


def test_a_partner_without_an_agreement_shows_figures_without_targets(shop_book):
    _, other, _ = shop_book
    card = scorecards.scorecard(other, FEB)
    assert card.agreement is None
    assert card.figures.premium_brought == Decimal("7000.00")
    assert {line.verdict for line in card.lines} == {"no_target"}


def test_drill_down_lists_exactly_the_records_behind_each_number(shop_book):
    shop, *_ = shop_book
    premiums = [p.premium for p in scorecards.drill(shop, FEB, "policies")]
    assert sum(premiums) == Decimal("12000.00") and len(premiums) == 3
    assert [c.claim_no for c in scorecards.drill(shop, FEB, "claims")] == ["CLM-OPEN", "CLM-PAID"]
    assert [c.claim_no for c in scorecards.drill(shop, FEB, "settled")] == ["CLM-PAID"]
    assert scorecards.drill(shop, FEB, "renewals").count() == 2
    assert [c.complaint_no for c in scorecards.drill(shop, FEB, "complaints")] == ["TS2026020001"]


def test_compute_month_stores_the_same_figures_for_every_active_partner(shop_book):
    shop, *_ = shop_book
    assert scorecards.compute_month(FEB) == 2
    stored = PartnerMonth.objects.get(partner=shop, month=FEB)
    live = scorecards.scorecard(shop, FEB).figures
    again = scorecards.from_stored(stored)
    assert again.premium_brought == live.premium_brought
    assert again.renewal_rate == live.renewal_rate
    assert again.complaints_per_10k == live.complaints_per_10k
    assert stored.partner_kind == "four_s_shop"
    # The partners list and health read stored months: the repair cost index against the
    # whole network is there too, even when only this shop's row is asked for.
    from carecircle.ecosystem.health import month_figures

    listed, was_stored = month_figures(FEB, [shop.pk])
    assert was_stored and listed[shop.pk].network_avg_repair == Decimal("1500.00")
    assert listed[shop.pk].repair_cost_index == live.repair_cost_index == Decimal("1.333")
    assert scorecards.compute_month(FEB) == 2  # re-run replaces, no duplicates
    assert PartnerMonth.objects.filter(month=FEB).count() == 2


# ------------------------------------------------------------------ access


def test_a_partner_user_sees_its_own_scorecard_with_masked_customers(client, shop_book):
    shop, *_ = shop_book
    UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    assert client.get("/ecosystem/portal/").url == f"/ecosystem/partners/{shop.pk}/"
    page = client.get(f"/ecosystem/partners/{shop.pk}/?month=2026-02")
    assert page.status_code == 200
    assert "¥12,000.00" in page.content.decode()
    drill = client.get(f"/ecosystem/partners/{shop.pk}/policies/?month=2026-02").content.decode()
    assert "周**" in drill
    assert "周杰伦" not in drill
    assert "138" not in drill  # no phone numbers at all


def test_a_partner_user_is_refused_another_partners_scorecard_and_drill_down(client, shop_book):
    shop, other, _ = shop_book
    user = UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    assert client.get(f"/ecosystem/partners/{other.pk}/").status_code == 403
    assert client.get(f"/ecosystem/partners/{other.pk}/claims/?month=2026-02").status_code == 403
    assert client.get("/ecosystem/partners/").status_code == 403
    denied = AuditLog.objects.filter(actor=user, action="denied", object_id=str(other.pk))
    assert denied.count() == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MANAGER, 200), (Role.SERVICE_MANAGER, 200), (Role.SEAT, 403), (Role.CUSTOMER, 403)],
)
def test_only_staff_who_manage_partners_see_every_scorecard(client, shop_book, role, status):
    shop, *_ = shop_book
    UserFactory(username="someone", role=role)
    client.login(username="someone", password="pw-for-tests-1")
    assert client.get(f"/ecosystem/partners/{shop.pk}/?month=2026-02").status_code == status
    assert client.get("/ecosystem/partners/?month=2026-02").status_code == status


def test_staff_see_full_names_in_the_drill_down(client, shop_book):
    shop, *_ = shop_book
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    drill = client.get(f"/ecosystem/partners/{shop.pk}/policies/?month=2026-02").content.decode()
    assert "周杰伦" in drill


def test_a_partner_user_cannot_reveal_a_customers_full_details(client, shop_book):
    """Even for a customer the partner brought: the masked name on the 360 page, and revealing
    the phone or ID number is refused."""
    shop, _, customer = shop_book
    UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    for field in ("phone", "id_number"):
        response = client.post(f"/customers/{customer.pk}/reveal/{field}/")
        assert response.status_code == 403
    assert not AuditLog.objects.filter(action="reveal_pii").exists()


def test_many_months_at_once_store_exactly_what_each_month_alone_computes(shop_book):
    months = [dt.date(2026, 1, 1), FEB, dt.date(2026, 3, 1)]
    scorecards.compute_months(months)
    for month in months:
        stored = {
            row.partner_id: scorecards.from_stored(row)
            for row in PartnerMonth.objects.filter(month=month)
        }
        live = scorecards.figures(month)
        assert set(stored) == set(live)
        for pid, f in live.items():
            assert {n: getattr(stored[pid], n) for n in scorecards.FIELDS} == {
                n: getattr(f, n) for n in scorecards.FIELDS
            }
    feb = scorecards.from_stored(PartnerMonth.objects.get(month=FEB, partner=shop_book[0]))
    assert (feb.premium_brought, feb.renewals_due, feb.renewals_renewed) == (
        Decimal("12000.00"),
        2,
        1,
    )
