"""A customer's requests: filed on a 15-working-day clock, answered in writing by the service
manager of the customer's unit, deletion restricted where 保险法第87条 keeps the records and
anonymised otherwise, late requests escalated once."""

import datetime as dt

import pytest
from django.core import mail

from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, User
from carecircle.parties.models import Customer, Vehicle
from carecircle.privacy.choices import Decision, RequestKind, ReviewSubject
from carecircle.privacy.models import PrivacyRequest
from carecircle.privacy.services import requests
from tests.factories import SH, PlainClaimFactory, PolicyFactory, VehicleFactory

from .conftest import NOW


def review(world, customer="alice", **kw):
    return requests.submit(
        world[customer],
        acting_user=world[f"{customer}_login"],
        kind=RequestKind.REVIEW,
        subject=ReviewSubject.TIER,
        **kw,
    )


def test_a_request_received_on_monday_2_march_is_due_three_weeks_later(world):
    r = review(world, details="我一直没出险 / no claims at all")
    assert (r.kind, r.subject, r.status) == ("review", "tier", "open")
    assert r.received_at == NOW
    assert r.due_on == dt.date(2026, 3, 23)
    assert r.details == "我一直没出险 / no claims at all"
    row = AuditLog.objects.get(object_type="privacy.privacyrequest", object_id=str(r.pk))
    assert (row.actor, row.action) == (world["alice_login"], "create")


def test_a_second_click_files_nothing_new(world):
    first = review(world)
    again = review(world)
    assert again.pk == first.pk
    assert PrivacyRequest.objects.count() == 1


def test_a_customer_files_only_for_themselves_and_staff_only_in_their_unit(world):
    with pytest.raises(DomainError) as refused:
        requests.submit(world["bob"], acting_user=world["alice_login"], kind=RequestKind.EXPORT)
    assert refused.value.status == 403
    for outsider in ("seat_a", "sm_b"):
        with pytest.raises(DomainError):
            requests.submit(
                world["alice"],
                acting_user=world[outsider],
                kind=RequestKind.CORRECTION,
                details="地址错了 / wrong address",
            )
    assert PrivacyRequest.objects.count() == 0
    # The service manager of Alice's unit records a request she made by phone.
    r = requests.submit(
        world["alice"],
        acting_user=world["sm_a"],
        kind=RequestKind.CORRECTION,
        details="地址错了 / wrong address",
    )
    assert r.customer == world["alice"]


def test_a_review_names_the_decision_and_a_correction_says_what_is_wrong(world):
    with pytest.raises(DomainError, match="choose the decision"):
        requests.submit(world["alice"], acting_user=world["alice_login"], kind="review")
    with pytest.raises(DomainError, match="what is wrong"):
        requests.submit(world["alice"], acting_user=world["alice_login"], kind="correction")
    assert PrivacyRequest.objects.count() == 0


def test_only_the_service_manager_of_the_customers_unit_answers_once(world):
    r = review(world)
    for outsider in ("sm_b", "seat_a", "alice_login"):
        with pytest.raises(DomainError) as refused:
            requests.answer(r, acting_user=world[outsider], decision="granted", text="好 / ok")
        assert refused.value.status == 403
    r.refresh_from_db()
    assert (r.status, r.decision, r.answer) == ("open", "", "")

    requests.answer(
        r,
        acting_user=world["sm_a"],
        decision=Decision.GRANTED,
        text="经复核，您的等级调整为黄金 / reviewed: your tier is now gold",
    )
    r.refresh_from_db()
    assert (r.status, r.decision, r.answered_by, r.answered_at) == (
        "answered",
        "granted",
        world["sm_a"],
        NOW,
    )
    assert r.answer == "经复核，您的等级调整为黄金 / reviewed: your tier is now gold"
    with pytest.raises(DomainError) as twice:
        requests.answer(r, acting_user=world["boss"], decision="refused", text="不 / no")
    assert twice.value.status == 409


def test_restriction_is_not_a_choice_staff_make_and_an_answer_needs_words(world):
    r = review(world)
    with pytest.raises(DomainError, match="restriction follows from the law"):
        requests.answer(r, acting_user=world["sm_a"], decision="restricted", text="x")
    with pytest.raises(DomainError, match="write the answer"):
        requests.answer(r, acting_user=world["sm_a"], decision="refused", text="  ")


def deletion(world, customer="alice"):
    return requests.submit(
        world[customer], acting_user=world[f"{customer}_login"], kind=RequestKind.DELETION
    )


def test_deletion_of_a_customer_with_a_policy_in_force_becomes_a_restriction(world):
    alice = world["alice"]
    PolicyFactory(vehicle=VehicleFactory(owner=alice))  # 1 Jun 2025 – 1 Jun 2026
    r = deletion(world)
    requests.answer(
        r, acting_user=world["sm_a"], decision="granted", text="已核实身份 / identity checked"
    )
    r.refresh_from_db()
    alice.refresh_from_db()
    assert (r.status, r.decision) == ("answered", "restricted")
    assert alice.restricted_at == NOW
    assert alice.anonymised_at is None
    assert alice.name == "张三"
    assert r.answer.startswith("已核实身份 / identity checked\n\n根据《保险法》第八十七条")
    assert "即至2031年06月01日" in r.answer
    assert "until 01 June 2031" in r.answer
    assert "restricted their use" in r.answer


def test_deletion_without_any_policy_anonymises_the_customer_and_closes_the_login(world):
    alice = world["alice"]
    vehicle = VehicleFactory(owner=alice)
    r = deletion(world)
    requests.answer(r, acting_user=world["sm_a"], decision="granted", text="已办理 / done")
    r.refresh_from_db()
    alice = Customer.objects.get(pk=alice.pk)
    assert (r.status, r.decision) == ("answered", "granted")
    assert "已匿名化" in r.answer
    assert alice.name == "已匿名"
    assert [alice.phone_encrypted, alice.phone_hash, alice.phone_masked, alice.phone_last4] == [
        ""
    ] * 4
    assert [alice.id_number_encrypted, alice.id_number_hash, alice.id_number_masked] == [""] * 3
    assert alice.birth_date is None and alice.address == ""
    assert alice.anonymised_at == NOW and alice.restricted_at == NOW
    assert alice.customer_no == world["alice"].customer_no  # the key other rows use stays
    assert Vehicle.objects.filter(pk=vehicle.pk).values_list("plate", "vin").get() == ("", "")
    login = User.objects.get(pk=world["alice_login"].pk)
    assert (login.is_active, login.username, login.has_usable_password()) == (
        False,
        f"anonymised-{login.pk}",
        False,
    )


def test_deletion_after_the_art87_period_anonymises_and_keeps_the_policy_and_claim_rows(world):
    alice = world["alice"]
    policy = PolicyFactory(
        vehicle=VehicleFactory(owner=alice),
        effective_date=dt.date(2019, 3, 1),
        expiry_date=dt.date(2020, 3, 1),
    )
    claim = PlainClaimFactory(
        policy=policy,
        description="在文三路追尾 / rear-ended on Wensan Road",
        location="文三路",
        status="closed",
        closed_at=dt.datetime(2020, 5, 1, 9, 0, tzinfo=SH),
        accident_at=dt.datetime(2019, 12, 1, 9, 0, tzinfo=SH),
        reported_at=dt.datetime(2019, 12, 1, 10, 0, tzinfo=SH),
    )
    r = deletion(world)
    requests.answer(r, acting_user=world["sm_a"], decision="granted", text="已办理 / done")
    r.refresh_from_db()
    claim.refresh_from_db()
    assert r.decision == "granted"
    assert Customer.objects.get(pk=alice.pk).name == "已匿名"
    assert (claim.description, claim.location, claim.policy_id) == ("", "", policy.pk)


def test_an_open_claim_keeps_the_records_whatever_the_policy_dates(world):
    alice = world["alice"]
    policy = PolicyFactory(
        vehicle=VehicleFactory(owner=alice),
        effective_date=dt.date(2015, 3, 1),
        expiry_date=dt.date(2016, 3, 1),
    )
    PlainClaimFactory(
        policy=policy,
        accident_at=dt.datetime(2016, 1, 1, 9, tzinfo=SH),
        reported_at=dt.datetime(2016, 1, 1, 10, tzinfo=SH),
    )
    r = deletion(world)
    requests.answer(r, acting_user=world["sm_a"], decision="granted", text="已核实 / checked")
    r.refresh_from_db()
    assert r.decision == "restricted"
    assert "您仍有未结赔案" in r.answer


def test_a_late_request_is_escalated_once_to_the_service_manager_of_its_unit(
    world, django_capture_on_commit_callbacks
):
    r = review(world)
    assert requests.escalate_overdue(dt.date(2026, 3, 23)) == 0  # the last day is not late
    with django_capture_on_commit_callbacks(execute=True):
        assert requests.escalate_overdue(dt.date(2026, 3, 24)) == 1
    r.refresh_from_db()
    assert (r.escalated_at, r.escalated_to) == (NOW, world["sm_a"])
    assert [m.to for m in mail.outbox] == [["sm_a@example.com"]]
    assert f"{r.reference}" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert requests.escalate_overdue(dt.date(2026, 3, 30)) == 0
    assert len(mail.outbox) == 1
    assert AuditLog.objects.filter(object_id=str(r.pk), summary__contains="late").count() == 1


def test_an_answered_request_is_never_late(world):
    r = review(world)
    requests.answer(r, acting_user=world["sm_a"], decision="refused", text="维持 / kept")
    assert requests.escalate_overdue(dt.date(2026, 4, 30)) == 0
    assert PrivacyRequest.objects.overdue(dt.date(2026, 4, 30)).count() == 0


def test_with_no_service_manager_above_the_unit_head_office_answers(world):
    bob = world["bob"]
    User.objects.filter(pk=world["sm_b"].pk).update(is_active=False)
    assert requests.manager_for(bob) == world["boss"]
    Customer.objects.filter(pk=bob.pk).update(unit=None)
    assert requests.manager_for(Customer.objects.get(pk=bob.pk)) == world["boss"]
