"""Customer 360: masked profile, renewal chain, claims, interactions; scoped, audited, fast."""

import pytest
from django.urls import reverse

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    TeamFactory,
    UserFactory,
    VehicleFactory,
    make_id_number,
)
from tests.web.factories import customer_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(seat):
    customer, car, years, compulsory = customer_with_history(
        customer_no="C00000007", name="周杰", owner=seat
    )
    customer.set_phone("13712345678")
    customer.save()
    return {"customer": customer, "car": car, "years": years, "compulsory": compulsory}


def url(customer):
    return reverse("web:customer_360", args=[customer.pk])


def test_the_360_page_shows_the_masked_profile_and_the_renewal_chain(history, manager, login):
    response = login(manager).get(url(history["customer"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "137****5678" in html and "13712345678" not in html
    view = response.context["view"]
    (vehicle,) = view.vehicles
    chains = {c.policies[0].kind: [p.policy_no for p in c.policies] for c in vehicle.chains}
    assert chains == {
        "commercial": ["PDAA2023330100000001", "PDAA2024330100000001", "PDAA2025330100000001"],
        "compulsory": ["PDZA2025330100000001"],
    }
    assert "¥2,160.00" in html  # 2025 premium through core.money.format_yuan
    assert "已续保为 / renewed as" in html
    assert [c.claim_no for c in view.claims] == ["RDAA2025000000000001", "RDAA2023000000000001"]
    assert sorted(i.contact_type for i in view.interactions) == [
        "brand",
        "claims",
        "phone",
        "sales",
        "service",
    ]


def test_opening_a_360_page_is_audited(history, manager, login):
    login(manager).get(url(history["customer"]))
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == (
        manager,
        "view",
        str(history["customer"].pk),
    )


def test_a_customer_outside_the_users_scope_is_a_404(history, login):
    other_seat = UserFactory(role=Role.SEAT)
    assert login(other_seat).get(url(history["customer"])).status_code == 404
    assert AuditLog.objects.count() == 0


def test_a_merchant_user_gets_404_for_any_customer(history, login):
    merchant = UserFactory(role=Role.MERCHANT_USER, partner=PartnerFactory(kind="merchant"))
    assert login(merchant).get(url(history["customer"])).status_code == 404


def test_a_customer_sees_their_own_360_and_nobody_elses(history, login):
    me = UserFactory(role=Role.CUSTOMER, customer=history["customer"])
    client = login(me)
    assert client.get(url(history["customer"])).status_code == 200
    assert client.get(url(CustomerFactory())).status_code == 404


def test_a_partner_user_sees_a_referred_customer_with_the_name_masked(login):
    shop = PartnerFactory()
    referred = CustomerFactory(name="赵六六")
    PolicyFactory(vehicle=VehicleFactory(owner=referred), partner=shop, channel="four_s_shop")
    user = UserFactory(role=Role.PARTNER_USER, partner=shop)
    response = login(user).get(url(referred))
    assert response.status_code == 200
    assert response.context["view"].shown_name == "赵**"
    assert "赵六六" not in response.content.decode()
    assert "显示完整手机号" not in response.content.decode()


def test_anonymous_visitors_are_redirected_to_login(history, client):
    response = client.get(url(history["customer"]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_360_page_runs_a_bounded_number_of_queries(
    history, manager, login, django_assert_max_num_queries
):
    client = login(manager)
    # More history must not add queries: a second car with its own chain.
    PolicyFactory(vehicle=VehicleFactory(owner=history["customer"]))
    with django_assert_max_num_queries(15):
        # session, user, customer+owner, vehicles, policies, coverages, claims,
        # interactions, audit insert; for staff the value balance: current value,
        # tier history, list entries (+ their events when there are any), and the
        # customer's policies and claims for the value by vehicle and policy
        assert client.get(url(history["customer"])).status_code == 200


def test_a_seat_may_reveal_the_full_phone_and_the_reveal_is_audited(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(seat).post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "13712345678" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert list(AuditLog.objects.values_list("action", "actor", "object_id")) == [
        ("reveal_pii", seat.pk, str(history["customer"].pk))
    ]


def test_a_seat_may_reveal_the_full_id_number(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "id_number"])
    response = login(seat).post(reveal)
    assert make_id_number(7) in response.content.decode()


def test_a_customer_may_not_reveal_and_gets_a_clear_refusal_that_is_audited(history, login):
    me = UserFactory(role=Role.CUSTOMER, customer=history["customer"])
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(me).post(reveal)
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权查看完整个人信息 / not allowed to see full personal data" in html
    assert "13712345678" not in html
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["denied"]


def test_revealing_for_a_customer_outside_scope_is_a_404_and_reveals_nothing(history, login):
    other_seat = UserFactory(role=Role.SEAT)
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    response = login(other_seat).post(reveal)
    assert response.status_code == 404
    assert AuditLog.objects.count() == 0


def test_reveal_needs_post(history, seat, login):
    reveal = reverse("web:customer_reveal", args=[history["customer"].pk, "phone"])
    assert login(seat).get(reveal).status_code == 405
    assert AuditLog.objects.count() == 0


def test_a_partner_users_360_page_runs_a_bounded_number_of_queries(
    login, django_assert_max_num_queries
):
    shop = PartnerFactory()
    customer, car, *_ = customer_with_history(name="孙丽")
    PolicyFactory(vehicle=car, partner=shop, channel="four_s_shop", renews=None)
    client = login(UserFactory(role=Role.PARTNER_USER, partner=shop))
    with django_assert_max_num_queries(9):
        response = client.get(url(customer))
    assert response.status_code == 200
    assert response.context["view"].shown_name == "孙*"
    assert response.context["view"].policy_count == 5


def test_a_team_leader_opens_a_team_members_customer(history, seat, login):
    leader = UserFactory(role=Role.SEAT)
    team = TeamFactory(leader=leader)
    for member in (leader, seat):
        member.team = team
        member.save()
    assert login(leader).get(url(history["customer"])).status_code == 200
