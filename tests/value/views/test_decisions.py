"""Value pages: the review queue and the lists page with their actions; scoped and refused.
(The portfolio and the value balance on the customer 360 page are desk's: tests/desk/.)"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.models import Customer
from carecircle.value.models import (
    CustomerValue,
    TierReview,
)
from tests.factories import (
    CustomerFactory,
    HeldBackValueFactory,
    PartnerFactory,
    UserFactory,
    proposed_grey_entry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager():
    return UserFactory(username="boss", role=Role.MANAGER)


def get(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


# ---------------------------------------------------------------- who gets nothing


@pytest.mark.parametrize("name", ["value:reviews", "value:lists"])
def test_customers_partners_and_merchants_get_nothing(client, name):
    customer = CustomerFactory()
    users = [
        UserFactory(role=Role.CUSTOMER, customer=customer),
        UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory()),
        UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant")),
    ]
    for user in users:
        assert get(client, user, name).status_code == 403


# ---------------------------------------------------------------- review queue


@pytest.fixture
def review():
    seat = UserFactory(username="seat7", role=Role.SEAT)
    customer = CustomerFactory(customer_no="C00000042", owner=seat)
    value = HeldBackValueFactory(customer=customer)
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
    return proposed_grey_entry()


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
