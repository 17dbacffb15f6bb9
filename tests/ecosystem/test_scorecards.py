"""Partner scorecards: figures from real data against the agreement, drill-down, stored
months."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.ecosystem import scorecards
from carecircle.ecosystem.models import PartnerMonth

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)


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
        "commission_paid": "no_target",
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
    # Commission due comes from the month's statement (docs/commissions.md), none calculated.
    assert commission.value is None


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


def test_no_referral_fee_is_owed_to_a_partner_without_an_intermediary_licence(shop_book):
    """报行合一: referral fees go to licensed intermediaries only. A licence that lapses after
    the agreement was signed stops the fee on the scorecard at once (ADR 0017)."""
    from carecircle.ecosystem.models import Agreement
    from carecircle.parties.models import LicenceType, Partner
    from tests.factories import ReferralFactory

    shop, *_ = shop_book
    Agreement.objects.filter(partner=shop).update(referral_fee=Decimal("50.00"))
    ReferralFactory.create_batch(2, partner=shop, recorded_at=dt.datetime(2026, 2, 10, 10, 0))

    def fee() -> Decimal | None:
        card = scorecards.scorecard(Partner.objects.get(pk=shop.pk), FEB)
        return next(x for x in card.gets if x.key == "referral_fees").value

    Partner.objects.filter(pk=shop.pk).update(licence_type=LicenceType.SIDELINE_AGENCY)
    assert fee() == Decimal("100.00")
    Partner.objects.filter(pk=shop.pk).update(licence_type=LicenceType.UNLICENSED)
    assert fee() == Decimal("0.00")
