"""Referring a claim to a repair shop (送修) gives the shop the customer's name, mobile number,
vehicle and the claim (PIPL Art 23): it needs the policyholder's consent naming that shop for
repair — ticked on the phone page beside the shop choice, or recorded by the handler from a
call recording or a paper form — and a customer whose processing is restricted is sent to no
shop."""

import pytest

from carecircle.claims import services
from carecircle.claims.choices import Action
from carecircle.claims.models import Claim
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.parties import consent
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import ConsentEvent
from tests.claims.services.test_workflow import report
from tests.factories.claims import customer_user, policy_with_cover, shop, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(today):
    people = staff()
    policy = policy_with_cover()
    claim = report(policy, people["handler"])
    return people["handler"], policy, claim, shop(name="西湖汽修")


def refer(claim, handler, **data):
    return services.transition(claim, Action.REFER, acting_user=handler, data=data)


def test_without_consent_naming_the_shop_the_claim_is_not_referred(case):
    handler, _policy, claim, partner = case
    with pytest.raises(DomainError) as refused:
        refer(claim, handler, repair_shop_id=partner.pk)
    assert (refused.value.code, refused.value.field) == ("sharing_consent", "share_consent")
    assert "西湖汽修" in refused.value.message and "vehicle and this claim" in refused.value.message
    assert Claim.objects.get(pk=claim.pk).repair_shop is None
    assert not ConsentEvent.objects.exists()


def test_a_handler_records_consent_only_with_its_evidence(case):
    handler, policy, claim, partner = case
    with pytest.raises(DomainError) as refused:
        refer(claim, handler, repair_shop_id=partner.pk, share_consent=True)
    assert refused.value.code == "consent_source"
    refer(
        claim, handler, repair_shop_id=partner.pk, share_consent=True, consent_source="paper_form"
    )
    assert Claim.objects.get(pk=claim.pk).repair_shop == partner
    event = ConsentEvent.objects.get()
    assert (event.customer, event.key, event.source, event.recorded_by) == (
        policy.customer,
        f"sharing:repair:{partner.pk}",
        "paper_form",
        handler,
    )
    assert "西湖汽修" in event.text and "维修您的车辆" in event.text


def test_consent_held_already_needs_nothing_more(case):
    handler, policy, claim, partner = case
    consent.grant(
        policy.customer, "sharing", partner=partner, use="repair", source="call_recording",
        acting_user=handler,
    )  # fmt: skip
    refer(claim, handler, repair_shop_id=partner.pk)
    assert Claim.objects.get(pk=claim.pk).repair_shop == partner
    assert ConsentEvent.objects.count() == 1


def test_consent_for_a_service_booking_with_the_same_partner_does_not_cover_repair(case):
    handler, policy, claim, partner = case
    consent.grant(
        policy.customer, "sharing", partner=partner, use="service_booking",
        source="call_recording", acting_user=handler,
    )  # fmt: skip
    with pytest.raises(DomainError) as refused:
        refer(claim, handler, repair_shop_id=partner.pk)
    assert refused.value.code == "sharing_consent"


def test_the_assessment_naming_a_shop_needs_the_same_consent(case):
    handler, _policy, claim, partner = case
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=handler)
    with pytest.raises(DomainError) as refused:
        services.transition(
            claim, Action.ASSESS, acting_user=handler,
            data={"parts": "900", "repair_shop_id": partner.pk},
        )  # fmt: skip
    assert refused.value.code == "sharing_consent"
    claim = services.transition(
        claim, Action.ASSESS, acting_user=handler,
        data={"parts": "900", "repair_shop_id": partner.pk, "share_consent": True,
              "consent_source": "call_recording"},
    )  # fmt: skip
    assert claim.repair_shop == partner


def test_a_restricted_customer_is_sent_to_no_shop_even_with_consent(case):
    handler, policy, claim, partner = case
    consent.grant(
        policy.customer, "sharing", partner=partner, use="repair", source="call_recording",
        acting_user=handler,
    )  # fmt: skip
    Customer.objects.filter(pk=policy.customer_id).update(restricted_at=clock.now())
    with pytest.raises(DomainError) as refused:
        refer(claim, handler, repair_shop_id=partner.pk)
    assert (refused.value.code, refused.value.status) == ("restricted", 409)
    assert Claim.objects.get(pk=claim.pk).repair_shop is None


def test_on_the_phone_page_the_customer_ticks_the_wording_beside_the_shop_choice(client, case):
    handler, policy, claim, partner = case
    for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
        claim = services.transition(claim, action, acting_user=handler)
    me = customer_user(policy)
    client.force_login(me)
    page = client.get(f"/claims/my/{claim.pk}/").content.decode()
    assert "我同意本公司向所选修理厂提供我的姓名、手机号、车辆和本次理赔信息" in page
    assert "gives the shop you choose my name, mobile number, vehicle and this claim" in page
    assert 'name="share_consent"' in page
    unticked = client.post(
        f"/claims/my/{claim.pk}/", {"what": "shop", "repair_shop_id": partner.pk}
    )
    assert unticked.status_code == 400 and "西湖汽修" in unticked.content.decode()
    ticked = client.post(
        f"/claims/my/{claim.pk}/",
        {"what": "shop", "repair_shop_id": partner.pk, "share_consent": "on"},
    )
    assert ticked.status_code == 302
    assert Claim.objects.get(pk=claim.pk).repair_shop == partner
    event = ConsentEvent.objects.get()
    assert (event.source, event.recorded_by, event.by_customer) == ("phone_page", me, True)
    assert "西湖汽修" in event.text  # the text recorded names the shop chosen


def test_a_discounted_repair_booked_at_a_shop_needs_the_same_consent(client, case):
    _handler, policy, _claim, partner = case
    me = customer_user(policy)
    client.force_login(me)
    page = client.get(
        "/claims/calculator/", {"shop": partner.pk, "parts": "1200", "hours": "3"}
    ).content.decode()
    assert "我同意本公司向西湖汽修提供我的姓名、手机号、车辆和本次理赔信息" in page
    fields = {"policy": policy.pk, "shop": partner.pk, "parts": "1200", "hours": "3",
              "booked_for": "2026-03-03", "idempotency_key": "k1"}  # fmt: skip
    refused = client.post("/claims/repairs/book/", fields)
    assert refused.status_code == 400 and "西湖汽修" in refused.content.decode()
    booked = client.post("/claims/repairs/book/", {**fields, "share_consent": "on"})
    assert booked.status_code == 302
    event = ConsentEvent.objects.get()
    assert (event.key, event.source, event.recorded_by) == (
        f"sharing:repair:{partner.pk}",
        "phone_page",
        me,
    )
