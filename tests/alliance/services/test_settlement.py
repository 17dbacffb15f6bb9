"""Settlement: monthly statements from redemptions at the agreed price; disputes, adjustments,
approval; totals reconcile to the cent; a reversal after approval adjusts the next statement
and nothing is ever counted twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.alliance import services
from carecircle.alliance.models import Redemption, Statement, StatementLine
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from tests.factories import UserFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
CST = dt.timezone(dt.timedelta(hours=8))


def at(day, hour=12):
    return dt.datetime(2026, *day, hour, tzinfo=CST)


@pytest.fixture
def setup():
    merchant, offer, _location, user = merchant_with_offer(price="33.33")
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    return merchant, offer, user, manager


def redeem_at(when, offer, user):
    voucher = VoucherFactory(product=offer.product)
    with clock.frozen_at(when):
        return services.redeem(voucher.code, acting_user=user)


def lines(statement):
    return sorted(statement.lines.values_list("kind", "amount"))


def test_a_statement_sums_the_months_redemptions_at_the_agreed_price(setup):
    merchant, offer, user, manager = setup
    for day in [(5, 1, 0), (5, 15), (5, 31, 23)]:  # 00:00 on 1 May and 23:00 on 31 May, local
        redeem_at(at(day[:2], day[2] if len(day) > 2 else 12), offer, user)
    redeem_at(at((6, 1), 0), offer, user)  # June
    statement = services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    assert (statement.total, statement.lines_count) == (Decimal("99.99"), 3)
    again = services.build_statement(merchant, dt.date(2026, 5, 20), acting_user=manager)
    assert (again.pk, again.total, again.lines_count) == (statement.pk, Decimal("99.99"), 3)


def test_totals_reconcile_to_the_cent_with_redemptions(setup):
    merchant, offer, user, manager = setup
    prices = ["33.33", "0.01", "19.99", "120.07"]
    for n, price in enumerate(prices * 3):
        offer.price_to_insurer = Decimal(price)
        offer.save()
        redeem_at(at((4 + n % 3, 10 + n)), offer, user)
    months = [dt.date(2026, m, 1) for m in (4, 5, 6)]
    total = sum(services.build_statement(merchant, m, acting_user=manager).total for m in months)
    redeemed = sum(Redemption.objects.values_list("agreed_price", flat=True))
    assert total == redeemed == Decimal("520.20")


def test_a_reversal_before_approval_drops_the_line_on_recompute(setup):
    merchant, offer, user, manager = setup
    keep, drop = redeem_at(at((5, 3)), offer, user), redeem_at(at((5, 4)), offer, user)
    services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    with clock.frozen_at(at((5, 4), 18)):
        services.reverse(drop, acting_user=user, reason="重复核销 / scanned twice")
    statement = services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    assert lines(statement) == [("redemption", Decimal("33.33"))]
    assert statement.lines.get().redemption_id == keep.pk


def test_a_reversal_after_approval_adjusts_the_next_statement_once(setup):
    merchant, offer, user, manager = setup
    late = redeem_at(at((5, 31), 22), offer, user)
    may = services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    services.approve(may, acting_user=manager)
    with clock.frozen_at(at((6, 1), 9)):
        services.reverse(late, acting_user=user, reason="客户投诉未服务 / not served")
    redeem_at(at((6, 2)), offer, user)
    june = services.build_statement(merchant, dt.date(2026, 6, 1), acting_user=manager)
    june = services.build_statement(merchant, dt.date(2026, 6, 1), acting_user=manager)  # recompute
    assert lines(june) == [("redemption", Decimal("33.33")), ("reversal", Decimal("-33.33"))]
    assert june.total == Decimal("0.00")
    may.refresh_from_db()
    assert (may.status, may.total) == ("approved", Decimal("33.33"))
    with pytest.raises(DomainError) as err:
        services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    assert err.value.code == "statement_locked"
    assert StatementLine.objects.filter(redemption=late).count() == 2  # + in May, − in June
    # over both months the merchant is paid for exactly the redemption that stood
    assert may.total + june.total == Decimal("33.33")


def test_a_dispute_is_resolved_by_an_adjustment_then_approved_and_exported(setup):
    merchant, offer, user, manager = setup
    redeem_at(at((5, 3)), offer, user)
    statement = services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    services.dispute(statement, "漏记一单 / one wash missing", acting_user=user)
    with pytest.raises(DomainError):
        services.approve(statement, acting_user=manager)
    statement = services.adjust(
        statement, "33.33", "补记5月3日洗车 / missing wash", acting_user=manager
    )
    assert (statement.status, statement.total, statement.lines_count) == (
        "draft",
        Decimal("66.66"),
        2,
    )
    # a recompute keeps people's adjustments
    statement = services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=manager)
    assert statement.total == Decimal("66.66")
    statement = services.approve(statement, acting_user=manager)
    statement = services.mark_paid(statement, acting_user=manager)
    assert statement.status == "paid"


def test_merchants_see_and_dispute_only_their_own_statements(setup):
    merchant, offer, user, manager = setup
    other, other_offer, _, other_user = merchant_with_offer()
    redeem_at(at((5, 3)), offer, user)
    redeem_at(at((5, 3)), other_offer, other_user)
    services.build_statements(dt.date(2026, 5, 1), acting_user=manager)
    assert Statement.objects.count() == 2
    assert list(Statement.objects.restrict(user).values_list("merchant", flat=True)) == [
        merchant.pk
    ]
    theirs = Statement.objects.get(merchant=other)
    with pytest.raises(PermissionDenied):
        services.dispute(theirs, "not mine", acting_user=user)
    with pytest.raises(PermissionDenied):
        services.build_statement(merchant, dt.date(2026, 5, 1), acting_user=user)
    assert Statement.objects.restrict(UserFactory(role=Role.SEAT)).count() == 0
