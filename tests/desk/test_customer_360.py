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
)
from tests.factories.history import customer_with_history, other_contacts

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
    with django_assert_max_num_queries(16):
        # session, user, customer+owner, vehicles, the policies the customer is on (as
        # policyholder or party, with their roles: one UNION), policies, coverages, claims,
        # interactions, audit insert; for staff the value balance: current value,
        # tier history, list entries (+ their events when there are any), and the
        # customer's policies and claims for the value by vehicle and policy
        assert client.get(url(history["customer"])).status_code == 200


def test_a_partner_users_360_page_runs_a_bounded_number_of_queries(
    login, django_assert_max_num_queries
):
    shop = PartnerFactory()
    customer, car, *_ = customer_with_history(name="孙丽")
    PolicyFactory(vehicle=car, partner=shop, channel="four_s_shop", renews=None)
    client = login(UserFactory(role=Role.PARTNER_USER, partner=shop))
    # 9 before the timeline's claim steps, 10 before the parties' roles (one UNION query)
    with django_assert_max_num_queries(11):
        response = client.get(url(customer))
    assert response.status_code == 200
    assert response.context["view"].shown_name == "孙*"
    # Policy by policy (#15): the shop sees the one policy it brought, not the other four.
    assert response.context["view"].policy_count == 1


def test_a_team_leader_opens_a_team_members_customer(history, seat, login):
    leader = UserFactory(role=Role.SEAT)
    team = TeamFactory(leader=leader)
    for member in (leader, seat):
        member.team = team
        member.save()
    assert login(leader).get(url(history["customer"])).status_code == 200


# ---- one timeline: Interaction rows merged with claim steps, redemptions and renewal calls


def customer_claim(customer):
    from carecircle.claims.models import Claim

    return Claim.objects.filter(policy__customer=customer).latest("accident_at")


def _feed(view):
    return [(e.source, e.contact_type) for e in view.timeline]


def test_claim_steps_redemptions_and_renewal_calls_join_the_interactions_in_one_feed(
    history, manager, login
):
    """Issue #7 §3: every contact on one timeline, newest first, with its touchpoint type."""
    other_contacts(history["customer"], staff=manager)  # step 45, redemption 75, call 10 days ago
    response = login(manager).get(url(history["customer"]))
    view = response.context["view"]
    # Interactions are 30 (brand), 60 (service), 90 (claims), 120 (phone), 150 (sales) days old.
    assert _feed(view) == [
        ("renewal_contact", "phone"),
        ("interaction", "brand"),
        ("claim_step", "claims"),
        ("interaction", "service"),
        ("redemption", "service"),
        ("interaction", "claims"),
        ("interaction", "phone"),
        ("interaction", "sales"),
    ]
    whens = [e.when for e in view.timeline]
    assert whens == sorted(whens, reverse=True)
    step, redemption, call = (
        next(e for e in view.timeline if e.source == s)
        for s in ("claim_step", "redemption", "renewal_contact")
    )
    assert (step.label, step.detail, step.who) == (
        "定损 / Assess the loss",
        "RDAA2025000000000001 · 已定损 / Assessed",
        str(manager),
    )
    assert step.url == reverse("claims:detail", args=[customer_claim(history["customer"]).pk])
    assert redemption.label == "服务券核销 / Voucher redeemed · 精洗 / Car wash"
    assert redemption.url == ""  # no per-redemption page for staff
    assert (call.label, call.detail) == (
        "续保联系 / Renewal contact · 电销坐席 / Telesales seat",
        "已报价 / Quoted",
    )
    assert call.url.startswith("/renewals/task/")
    html = response.content.decode()
    assert html.count('data-source="') == 8
    assert '<span class="tag ct-claims">理赔接触 / Claims</span>' in html
    assert "服务核销 / Service used" in html and "续保联系 / Renewal contact" in html
    # The old fields stay: the interaction list and its five contact types.
    assert len(view.interactions) == 5


def test_the_feed_shows_the_newest_fifty_of_all_sources(history, manager, login):
    other_contacts(history["customer"], n=20, staff=manager, days=(1, 2, 3))
    view = login(manager).get(url(history["customer"])).context["view"]
    assert len(view.timeline) == 50  # 5 interactions + 60 others, the newest 50
    sources = [e.source for e in view.timeline]
    assert sources[:20] == ["claim_step"] * 20
    assert sources[20:40] == ["redemption"] * 20
    assert sources[40:] == ["renewal_contact"] * 10  # 20 calls; interactions are older


def test_review_flags_stay_off_the_timeline(history, manager, login):
    from carecircle.claims.models import ClaimTransition

    claim, _ = other_contacts(history["customer"], staff=manager)
    ClaimTransition.objects.create(
        claim=claim, action="flag", to_status=claim.status, at=claim.reported_at, reason="fraud?"
    )
    view = login(manager).get(url(history["customer"])).context["view"]
    assert [e.label for e in view.timeline if e.source == "claim_step"] == [
        "定损 / Assess the loss"
    ]


def test_the_customer_sees_their_own_steps_and_services_with_their_own_links(history, login):
    other_contacts(history["customer"])
    me = UserFactory(role=Role.CUSTOMER, customer=history["customer"])
    view = login(me).get(url(history["customer"])).context["view"]
    links = {e.source: e.url for e in view.timeline if e.source != "interaction"}
    claim_id = customer_claim(history["customer"]).pk
    assert links == {
        "claim_step": reverse("claims:my_claim", args=[claim_id]),
        "redemption": reverse("alliance:my_services"),
        "renewal_contact": "",
    }
    step = next(e for e in view.timeline if e.source == "claim_step")
    assert step.who == "系统 / System"


def test_a_partner_user_sees_only_the_steps_of_claims_sent_to_their_shop(login):
    shop = PartnerFactory()
    customer, car, *_ = customer_with_history(name="孙丽")
    PolicyFactory(vehicle=car, partner=shop, channel="four_s_shop", renews=None)
    other_contacts(customer, staff=UserFactory(role=Role.CLAIMS_HANDLER))
    client = login(UserFactory(role=Role.PARTNER_USER, partner=shop))
    view = client.get(url(customer)).context["view"]
    # Row by row (#15): the customer's contacts with the insurer are not the shop's.
    assert {e.source for e in view.timeline} == set()
    claim = customer_claim(customer)
    claim.repair_shop = shop
    claim.save(update_fields=["repair_shop"])
    view = client.get(url(customer)).context["view"]
    steps = [e for e in view.timeline if e.source == "claim_step"]
    assert [(e.who, e.url) for e in steps] == [("保险公司 / Insurer", "")]
    assert {e.source for e in view.timeline} == {"claim_step"}


@pytest.mark.parametrize("n", [1, 20])
def test_the_360_page_runs_a_fixed_number_of_queries_whatever_the_timeline_holds(
    n, history, manager, login, django_assert_num_queries
):
    client = login(manager)
    other_contacts(history["customer"], n=n, staff=manager)
    with django_assert_num_queries(16):
        # 12 as before (session, user, customer+owner, vehicles, policies, coverages, claims,
        # interactions, the value balance's current value, tier history and list entries,
        # audit insert), plus one each for the claim steps, the redemptions and the renewal
        # contacts, plus the policies the customer is on with their roles (one UNION of the
        # party rows and the policies they hold: the roles cost one query, not one per row)
        assert client.get(url(history["customer"])).status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_a_partner_users_360_page_runs_a_fixed_number_of_queries(
    n, login, django_assert_num_queries
):
    shop = PartnerFactory()
    customer, car, *_ = customer_with_history(name="孙丽")
    PolicyFactory(vehicle=car, partner=shop, channel="four_s_shop", renews=None)
    claim, _ = other_contacts(customer, n=n)
    claim.repair_shop = shop
    claim.save(update_fields=["repair_shop"])
    client = login(UserFactory(role=Role.PARTNER_USER, partner=shop))
    with django_assert_num_queries(11):
        # the 9 of before plus the claim steps (no redemptions nor renewal calls: no query),
        # plus the policies the customer is on with their roles (one UNION)
        assert client.get(url(customer)).status_code == 200


@pytest.mark.parametrize("role", [Role.SEAT, Role.MERCHANT_USER, Role.PARTNER_USER])
def test_a_user_without_access_to_the_customer_still_gets_a_404(history, login, role):
    other_contacts(history["customer"])
    partner = PartnerFactory(kind="merchant" if role == Role.MERCHANT_USER else "four_s_shop")
    user = UserFactory(role=role, partner=None if role == Role.SEAT else partner)
    response = login(user).get(url(history["customer"]))
    assert response.status_code == 404
    assert "续保联系" not in response.content.decode()
    assert AuditLog.objects.count() == 0
