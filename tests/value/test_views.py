"""Value pages: portfolio figures from the current run, the review queue and the lists page
with their actions, and the value balance on the customer 360 page; scoped and refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from carecircle.value.engine.params import params_from_settings
from carecircle.value.engine.runner import run_value
from carecircle.value.models import (
    CustomerValue,
    ListEntry,
    ListEvent,
    TierHistory,
    TierReview,
)
from tests.factories import CustomerFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def book():
    """A generated book of 300 customers valued by one run as of AS_OF."""
    call_command("generate", "--customers", "300", "--seed", "1", "--into-db")
    return run_value(params_from_settings(AS_OF))


@pytest.fixture
def manager():
    return UserFactory(username="boss", role=Role.MANAGER)


def get(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


# ---------------------------------------------------------------- portfolio


def test_the_portfolio_states_the_run_and_the_pareto_share_of_the_top_20_percent(
    client, manager, book
):
    response = get(client, manager, "value:portfolio")
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
    p = get(client, manager, "value:portfolio").context["p"]
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
    p = get(client, manager, "value:portfolio").context["p"]
    assert p.migration["diamond"] == {now.tier: 1}
    assert sum(p.migration[""].values()) == 299  # no tier a year ago: valued for the first time


def test_a_seat_sees_the_portfolio_of_their_own_customers_only(client, book):
    seat = UserFactory(role=Role.SEAT)
    mine = list(Customer.objects.order_by("pk")[:7])
    Customer.objects.filter(pk__in=[c.pk for c in mine]).update(owner=seat)
    p = get(client, seat, "value:portfolio").context["p"]
    assert (p.customers, p.whole_book) == (7, False)
    assert p.lifetime_value == sum(
        CustomerValue.objects.current()
        .filter(customer__in=mine)
        .values_list("lifetime_value", flat=True)
    )


def test_the_portfolio_without_a_run_says_so(client, manager):
    response = get(client, manager, "value:portfolio")
    assert response.status_code == 200
    assert "尚无价值计算结果" in response.content.decode()


def test_the_portfolio_query_count_does_not_grow_with_the_book(
    client, manager, book, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        # session, user, run, history marker, totals, loss-making, 3 Pareto, channel,
        # region, vehicle use, tiers, migration
        assert client.get(reverse("value:portfolio")).status_code == 200


# ---------------------------------------------------------------- who gets nothing


@pytest.mark.parametrize("name", ["value:portfolio", "value:reviews", "value:lists"])
def test_customers_partners_and_merchants_get_nothing(client, name):
    customer = CustomerFactory()
    users = [
        UserFactory(role=Role.CUSTOMER, customer=customer),
        UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory()),
        UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant")),
    ]
    for user in users:
        assert get(client, user, name).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("value:portfolio"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------- review queue


def value_row(customer, **fields):
    from carecircle.value.models import ValueRun

    run = ValueRun.objects.filter(is_current=True).first() or ValueRun.objects.create(
        as_of=clock.today(), status="succeeded", is_current=True
    )
    values = {
        "tenure_years": Decimal("8.0"),
        "loss_ratio_3y": Decimal("0.3500"),
        "loss_ratio_credible": Decimal("0.4000"),
        "renewal_probability": Decimal("0.8000"),
        "value_percentile": Decimal("0.1200"),
        "lifetime_value": Decimal("12400.00"),
        "rule_tier": "standard",
        "tier": "silver",
        "previous_tier": "gold",
        "reasons": "tenure,loss_ratio,lifetime_value,step_limited",
        "needs_review": "step_limited",
    }
    values.update(fields)
    return CustomerValue.objects.create(run=run, customer=customer, **values)


@pytest.fixture
def review():
    seat = UserFactory(username="seat7", role=Role.SEAT)
    customer = CustomerFactory(customer_no="C00000042", owner=seat)
    value = value_row(customer)
    return TierReview.objects.create(
        customer=customer,
        run=value.run,
        current_tier="gold",
        proposed_tier="standard",
        reason="step_limited",
    )


def test_the_queue_shows_current_and_proposed_tier_with_the_reasons(client, manager, review):
    response = get(client, manager, "value:reviews")
    html = response.content.decode()
    assert [r.pk for r in response.context["reviews"]] == [review.pk]
    assert "C00000042" in html
    assert "客户8年 / 8 years with us" in html
    assert "批准为 普通 / Standard / Approve 普通 / Standard" in html
    assert "维持 黄金 / Gold / Keep 黄金 / Gold" in html


def test_a_seat_sees_their_customers_review_without_the_decision_buttons(client, review):
    seat = review.customer.owner
    response = get(client, seat, "value:reviews")
    assert [r.pk for r in response.context["reviews"]] == [review.pk]
    assert "待经理决定 / waiting for a manager" in response.content.decode()
    other = UserFactory(role=Role.SEAT)
    assert list(get(client, other, "value:reviews").context["reviews"]) == []


def test_approving_from_the_queue_returns_the_decided_row(client, manager, review):
    client.force_login(manager)
    response = client.post(
        reverse("value:review_decide", args=[review.pk]),
        {"decision": "approve", "note": "三次赔案 / three claims"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-status="approved"' in response.content.decode()
    assert CustomerValue.objects.current().get(customer=review.customer).tier == "standard"
    assert AuditLog.objects.filter(action="update", object_type="value.tierreview").count() == 1


def test_keeping_without_javascript_redirects_back_to_the_queue(client, manager, review):
    client.force_login(manager)
    response = client.post(
        reverse("value:review_decide", args=[review.pk]), {"decision": "keep", "note": "老客户"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("value:reviews")
    assert CustomerValue.objects.current().get(customer=review.customer).tier == "gold"


def test_a_seat_posting_a_decision_is_refused_and_nothing_changes(client, review):
    client.force_login(review.customer.owner)
    response = client.post(
        reverse("value:review_decide", args=[review.pk]),
        {"decision": "approve", "note": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert "无权执行此操作 / you are not allowed to do this" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "pending"
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["denied"]


def test_a_decision_without_a_note_shows_the_message_in_the_row(client, manager, review):
    client.force_login(manager)
    response = client.post(
        reverse("value:review_decide", args=[review.pk]),
        {"decision": "approve", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "请填写决定理由 / please give the reason for the decision" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "pending"


# ---------------------------------------------------------------- lists


@pytest.fixture
def entry():
    customer = CustomerFactory(customer_no="C00000077")
    value_row(customer, reasons="tenure,lifetime_value,list_grey", list_proposal="grey")
    proposed = ListEntry.objects.create(
        customer=customer,
        kind="grey",
        reasons="tenure,loss_making,list_grey",
        evidence={"claims_3y": 6, "loss_ratio_credible": "1.6240"},
        expires_on=clock.today() + dt.timedelta(days=365),
    )
    ListEvent.objects.create(entry=proposed, action="propose", to_status="proposed")
    return proposed


def act(client, user, entry, action, **data):
    client.force_login(user)
    return client.post(reverse("value:list_action", args=[entry.pk, action]), data)


def test_the_lists_page_shows_proposals_with_evidence_and_history(client, manager, entry):
    response = get(client, manager, "value:lists")
    html = response.content.decode()
    assert [e.pk for e in response.context["entries"]] == [entry.pk]
    assert "claims_3y: 6" in html and "loss_ratio_credible: 1.6240" in html
    assert 'data-event="propose"' in html
    assert "批准 / Approve" in html


def test_approve_appeal_and_revoke_through_the_page(client, manager, entry):
    until = (clock.today() + dt.timedelta(days=90)).isoformat()
    response = act(client, manager, entry, "approve", expires_on=until, note="核实 / checked")
    assert response.status_code == 302
    assert act(client, manager, entry, "appeal", note="被追尾 / rear-ended").status_code == 302
    assert act(client, manager, entry, "revoke", note="撤销 / revoked").status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.expires_on.isoformat(), entry.appeal_text) == (
        "revoked",
        until,
        "被追尾 / rear-ended",
    )
    assert list(entry.events.values_list("action", flat=True)) == [
        "propose",
        "approve",
        "appeal",
        "revoke",
    ]


def test_approving_without_an_expiry_date_is_a_400_with_the_reason(client, manager, entry):
    response = act(client, manager, entry, "approve", expires_on="", note="x")
    assert response.status_code == 400
    assert "须填写晚于今天的到期日 / an expiry date after today is required" in (
        response.content.decode()
    )
    entry.refresh_from_db()
    assert entry.status == "proposed"


def test_a_step_the_workflow_refuses_is_a_409(client, manager, entry):
    response = act(client, manager, entry, "revoke", note="x")
    assert response.status_code == 409
    assert "a proposed entry cannot be revoked" in response.content.decode()


def test_a_seat_cannot_decide_a_list_entry(client, entry):
    seat = UserFactory(role=Role.SEAT)
    Customer.objects.filter(pk=entry.customer_id).update(owner=seat)
    response = act(client, seat, entry, "approve", expires_on="2099-01-01", note="x")
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == "proposed"


def test_an_entry_outside_the_scope_is_not_found(client, entry):
    response = act(client, UserFactory(role=Role.SEAT), entry, "appeal", note="x")
    assert response.status_code == 404


# ---------------------------------------------------------------- customer 360


def test_the_360_page_shows_the_value_balance_with_reasons_for_staff(client, manager, entry):
    response = get(client, manager, "web:customer_360", entry.customer_id)
    html = response.content.decode()
    assert 'data-section="value-balance"' in html
    assert "终身价值¥12,400,前12% / lifetime value ¥12,400, top 12%" in html
    assert "白银 / Silver" in html and "原等级 黄金 / Gold / previously 黄金 / Gold" in html
    assert 'data-side="customer"' in html and f'data-entry="{entry.pk}"' in html


def test_the_customer_does_not_see_how_the_insurer_values_them(client, entry):
    me = UserFactory(role=Role.CUSTOMER, customer=entry.customer)
    response = get(client, me, "web:customer_360", entry.customer_id)
    assert response.status_code == 200
    assert response.context["balance"] is None
    assert "value-balance" not in response.content.decode()


def test_whole_book_pareto_stored_by_the_run_equals_the_database_computation(book):
    from carecircle.web.portfolio import PARETO_METRICS, _pareto, _stored_pareto

    stored = _stored_pareto(book)
    values = CustomerValue.objects.filter(run=book)
    computed = [_pareto(values, metric) for metric in PARETO_METRICS]
    assert [(p.metric, p.total) for p in stored] == [(p.metric, p.total) for p in computed]
    # 300 customers: three per percentile bucket either way, so the curves are identical
    assert [p.cumulative for p in stored] == [p.cumulative for p in computed]


def test_the_360_value_balance_lists_value_by_vehicle_and_policy(client, manager, book):
    from carecircle.value.selectors import policy_values

    value = CustomerValue.objects.current().filter(policies_in_force__gt=0).order_by("pk").first()
    rows = policy_values(value.customer_id, book.as_of)
    html = get(client, manager, "web:customer_360", value.customer_id).content.decode()
    assert html.count("data-value-policy=") == len(rows) > 0
    for row in rows:
        assert f'data-value-policy="{row["policy_no"]}"' in html
