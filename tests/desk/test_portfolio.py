"""The value portfolio (desk's read model of the current run, at /value/): figures from the
run, scoped per user, refused to everyone but insurer staff, a bounded number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.desk.selectors.portfolio import PARETO_METRICS, _pareto, _stored_pareto
from carecircle.parties.models import Customer
from carecircle.value.engine.params import params_from_settings
from carecircle.value.engine.runner import run_value
from carecircle.value.models import CustomerValue, TierHistory
from tests.desk.conftest import AS_OF
from tests.factories import CustomerFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def get(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


def test_the_portfolio_states_the_run_and_the_pareto_share_of_the_top_20_percent(
    client, manager, book
):
    response = get(client, manager, "desk:portfolio")
    assert response.status_code == 200
    p = response.context["p"]
    assert (p.run, p.customers, p.whole_book) == (book, 300, True)
    # Exact: NTILE(100) over 300 customers puts 3 in each bucket, so the top 20 buckets are
    # the 60 customers with the highest lifetime value.
    lifetime = sorted(
        CustomerValue.objects.current().values_list("lifetime_value", flat=True), reverse=True
    )
    expected = round(float(sum(lifetime[:60]) * 100 / sum(lifetime)), 1)
    (lv,) = [c for c in p.pareto if c.metric == "lifetime_value"]
    assert lv.top_share == expected
    assert lv.total == sum(lifetime)
    assert lv.cumulative[-1] == 100.0
    html = response.content.decode()
    assert (
        f"前20%的客户贡献终身价值的 {expected}% / the top 20% of customers bring {expected}%"
        " of the lifetime value"
    ) in html
    assert "echarts.min.js" in html and 'id="value-charts"' in html


def test_the_portfolio_tier_mix_and_groups_add_up_to_the_run(client, manager, book):
    p = get(client, manager, "desk:portfolio").context["p"]
    assert {g.key: g.customers for g in p.tiers} == book.counts["tiers"]
    assert sum(g.customers for g in p.by_channel) == 300
    assert sum(g.customers for g in p.by_region) == 300
    assert sum(g.customers for g in p.by_vehicle_use) == 300
    total_lv = sum(CustomerValue.objects.current().values_list("lifetime_value", flat=True))
    assert sum(g.lifetime_value for g in p.by_channel) == total_lv
    assert p.loss_making == CustomerValue.objects.current().filter(annual_margin__lt=0).count()


def test_the_migration_matrix_compares_with_the_tier_a_year_before(client, manager, book):
    someone = CustomerValue.objects.current().order_by("pk").first()
    TierHistory.objects.create(
        customer=someone.customer, as_of=AS_OF - dt.timedelta(days=400), tier="diamond"
    )
    # the run writes the tier a year ago on each row; the next run sees the history
    run_value(params_from_settings(AS_OF))
    now = CustomerValue.objects.current().get(customer=someone.customer)
    assert now.year_ago_tier == "diamond"
    p = get(client, manager, "desk:portfolio").context["p"]
    assert p.migration["diamond"] == {now.tier: 1}
    assert sum(p.migration[""].values()) == 299  # no tier a year ago: valued for the first time


def test_a_seat_sees_the_portfolio_of_their_own_customers_only(client, book):
    seat = UserFactory(role=Role.SEAT)
    mine = list(Customer.objects.order_by("pk")[:7])
    Customer.objects.filter(pk__in=[c.pk for c in mine]).update(owner=seat)
    p = get(client, seat, "desk:portfolio").context["p"]
    assert (p.customers, p.whole_book) == (7, False)
    assert p.lifetime_value == sum(
        CustomerValue.objects.current()
        .filter(customer__in=mine)
        .values_list("lifetime_value", flat=True)
    )


def test_the_portfolio_without_a_run_says_so(client, manager):
    response = get(client, manager, "desk:portfolio")
    assert response.status_code == 200
    assert "尚无价值计算结果" in response.content.decode()


def test_the_portfolio_query_count_does_not_grow_with_the_book(
    client, manager, book, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        # session, user, run, history marker, totals, loss-making, 3 Pareto, channel,
        # region, vehicle use, tiers, migration
        assert client.get(reverse("desk:portfolio")).status_code == 200


def test_customers_partners_and_merchants_get_nothing(client):
    customer = CustomerFactory()
    users = [
        UserFactory(role=Role.CUSTOMER, customer=customer),
        UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory()),
        UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant")),
    ]
    for user in users:
        assert get(client, user, "desk:portfolio").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("desk:portfolio"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_whole_book_pareto_stored_by_the_run_equals_the_database_computation(book):
    stored = _stored_pareto(book)
    values = CustomerValue.objects.filter(run=book)
    computed = [_pareto(values, metric) for metric in PARETO_METRICS]
    assert [(p.metric, p.total) for p in stored] == [(p.metric, p.total) for p in computed]
    # 300 customers: three per percentile bucket either way, so the curves are identical
    assert [p.cumulative for p in stored] == [p.cumulative for p in computed]
