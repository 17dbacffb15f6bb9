"""The repair shop's partner portal: a shop sees only the claims referred to it, with masked
customer data; it accepts the car, proposes an estimate (the assessment still decides) and
reports the repair done; another shop's claims are 404 and nothing changes."""

from decimal import Decimal as D

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim, ClaimTransition
from carecircle.claims.selectors.shop_portal import referred_claims
from carecircle.claims.services import shop_portal as shops
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.claims.services.test_workflow import report
from tests.factories import PartnerFactory, UserFactory
from tests.factories.claims import customer_user, policy_with_cover, shop, staff

pytestmark = pytest.mark.django_db
# The customer agreed on a recorded call that the shop receives their data (PIPL Art 23).
AGREED = {"share_consent": True, "consent_source": "call_recording"}


@pytest.fixture
def referral(today):
    people = staff()
    policy = policy_with_cover()
    mine, other = shop(name="西湖汽修"), shop(name="滨江4S店", kind="four_s_shop")
    claim = report(policy, people["handler"])
    services.transition(
        claim,
        Action.REFER,
        acting_user=people["handler"],
        data={"repair_shop_id": mine.pk, **AGREED},
    )
    theirs = report(policy_with_cover(), people["handler"])
    services.transition(
        theirs,
        Action.REFER,
        acting_user=people["handler"],
        data={"repair_shop_id": other.pk, **AGREED},
    )
    user = UserFactory(username="xihu", role=Role.PARTNER_USER, partner=mine)
    return {"claim": claim, "theirs": theirs, "user": user, "people": people, "policy": policy}


def test_a_shop_sees_only_its_referred_claims_with_the_customer_masked(client, referral):
    client.force_login(referral["user"])
    page = client.get("/claims/shop/").content.decode()
    customer = referral["policy"].customer
    assert referral["claim"].claim_no in page and referral["theirs"].claim_no not in page
    assert customer.name not in page and f"{customer.name[0]}*" in page
    assert customer.phone_masked in page
    assert list(referred_claims(referral["user"])) == [referral["claim"]]


def test_another_shops_claim_is_a_404_and_a_post_to_it_changes_nothing(client, referral):
    client.force_login(referral["user"])
    theirs = referral["theirs"]
    assert client.get(f"/claims/shop/{theirs.pk}/").status_code == 404
    before = ClaimTransition.objects.filter(claim=theirs).count()
    assert client.post(f"/claims/shop/{theirs.pk}/", {"what": "accept"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.shop_accepted_at is None
    assert ClaimTransition.objects.filter(claim=theirs).count() == before


def test_only_repair_and_4s_shop_users_may_open_the_portal(client, referral):
    merchant = PartnerFactory(kind="merchant")
    others = [
        referral["people"]["handler"],
        customer_user(referral["policy"]),
        UserFactory(username="merchant1", role=Role.PARTNER_USER, partner=merchant),
    ]
    for user in others:
        client.force_login(user)
        assert client.get("/claims/shop/").status_code == 403
        assert client.get(f"/claims/shop/{referral['claim'].pk}/").status_code == 403
    client.logout()
    assert client.get("/claims/shop/").status_code == 302  # to the login page


def test_the_shop_accepts_proposes_an_estimate_and_reports_the_repair_done(client, referral):
    client.force_login(referral["user"])
    url = f"/claims/shop/{referral['claim'].pk}/"
    refused = client.post(url, {"what": "estimate", "parts": "1200"})
    assert refused.status_code == 400 and "accept the referral first" in refused.content.decode()
    assert client.post(url, {"what": "accept", "note": "明早到店"}).status_code == 302
    again = client.post(url, {"what": "accept"})
    assert again.status_code == 400 and "accepted already" in again.content.decode()
    r = client.post(url, {"what": "estimate", "parts": "1200", "labour": "450", "paint": "300"})
    assert r.status_code == 302
    claim = Claim.objects.get(pk=referral["claim"].pk)
    assert claim.shop_estimate_amount == D("1950.00")
    assert claim.shop_estimate == {"parts": "1200.00", "labour": "450.00", "paint": "300.00"}
    assert (claim.amount_assessed, claim.status) == (None, "reported")  # a proposal only
    assert client.post(url, {"what": "done"}).status_code == 302
    claim.refresh_from_db()
    assert claim.repair_done_at is not None
    steps = ClaimTransition.objects.filter(claim=claim, actor=referral["user"])
    assert list(steps.values_list("action", flat=True)) == [
        "shop_accept",
        "shop_estimate",
        "repair_done",
    ]
    assert AuditLog.objects.filter(actor=referral["user"], object_id=str(claim.pk)).count() == 3
    page = client.get(url).content.decode()
    assert 'id="shop-estimate">¥1,950.00' in page


def test_a_bad_estimate_is_refused_naming_the_field(referral):
    user, claim = referral["user"], referral["claim"]
    shops.accept(claim.pk, acting_user=user)
    with pytest.raises(DomainError) as bad:
        shops.submit_estimate(claim.pk, acting_user=user, parts="abc", labour="", paint="")
    assert (bad.value.code, bad.value.field) == ("not_money", "parts")
    with pytest.raises(DomainError) as empty:
        shops.submit_estimate(claim.pk, acting_user=user, parts="0", labour="", paint="")
    assert empty.value.code == "estimate_empty"
    with pytest.raises(DomainError) as negative:
        shops.submit_estimate(claim.pk, acting_user=user, parts="10", labour="-5", paint="")
    assert (negative.value.code, negative.value.field) == ("negative_amount", "labour")


def test_staff_cannot_take_the_shops_steps_through_the_workflow(referral):
    with pytest.raises(DomainError) as refused:
        services.transition(
            referral["claim"], Action.SHOP_ACCEPT, acting_user=referral["people"]["handler"]
        )
    assert refused.value.code == "shop_action"


def test_the_portal_is_in_the_navigation_for_shop_users_only(client, referral):
    client.force_login(referral["user"])
    assert 'href="/claims/shop/"' in client.get("/claims/shop/").content.decode()
    client.force_login(customer_user(referral["policy"]))
    assert 'href="/claims/shop/"' not in client.get("/claims/my/").content.decode()


def test_a_shop_at_its_weekly_capacity_takes_no_new_referral_but_keeps_its_own(client, today):
    import datetime as dt

    from carecircle.core import clock

    people = staff()
    small = shop(name="小修理厂")
    small.repair_terms.capacity_per_week = 1
    small.repair_terms.save()
    first = report(policy_with_cover(), people["handler"])
    refer = {"repair_shop_id": small.pk, **AGREED}
    services.transition(first, Action.REFER, acting_user=people["handler"], data=refer)
    policy = policy_with_cover()
    second = report(policy, people["handler"])
    with pytest.raises(DomainError) as full:
        services.transition(second, Action.REFER, acting_user=people["handler"], data=refer)
    assert (full.value.code, full.value.status) == ("shop_full", 409)
    assert "capacity of 1" in full.value.message
    services.transition(first, Action.REFER, acting_user=people["handler"], data=refer)
    client.force_login(customer_user(policy))
    page = client.get(f"/claims/my/{second.pk}/").content.decode()
    assert "disabled>小修理厂" in page and "full this week" in page
    with clock.frozen_at(today + dt.timedelta(days=8)):  # a week later the place is free
        services.transition(second, Action.REFER, acting_user=people["handler"], data=refer)
    assert Claim.objects.get(pk=second.pk).repair_shop == small


def test_the_shop_api_lists_masked_referrals_and_takes_the_shops_steps(referral):
    from tests.claims.test_api import bearer, client

    headers = bearer(referral["user"])
    page = client.get("/claims-shop", headers=headers).json()
    customer = referral["policy"].customer
    assert [c["claim_no"] for c in page["items"]] == [referral["claim"].claim_no]
    row = page["items"][0]
    assert (row["customer_name"], row["customer_phone"]) == (
        f"{customer.name[0]}" + "*" * (len(customer.name) - 1),
        customer.phone_masked,
    )
    url = f"/claims-shop/{referral['claim'].pk}"
    assert client.post(url, json={"action": "accept"}, headers=headers).status_code == 200
    r = client.post(
        url, json={"action": "estimate", "parts": "800", "labour": "300"}, headers=headers
    )
    assert (r.status_code, r.json()["shop_estimate_amount"]) == (200, "1100.00")
    bad = client.post(url, json={"action": "paint_it"}, headers=headers)
    assert (bad.status_code, bad.json()["field"]) == (400, "action")
    theirs = f"/claims-shop/{referral['theirs'].pk}"
    assert client.post(theirs, json={"action": "accept"}, headers=headers).status_code == 404
    handler = bearer(referral["people"]["handler"])
    assert client.get("/claims-shop", headers=handler).status_code == 403
