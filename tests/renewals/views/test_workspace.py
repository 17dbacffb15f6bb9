"""Workspace pages: the queue's order, the task page, who may see what."""

import pytest
from django.urls import reverse

from carecircle.renewals.models import Contact, RenewalTask
from tests.renewals.conftest import make_seat

pytestmark = pytest.mark.django_db


def test_queue_puts_callable_work_first_and_customers_who_may_not_be_called_last(client, book):
    seat, callable_, not_yet, no_consent = book
    client.force_login(seat)
    response = client.get(reverse("renewals:queue"))
    assert response.status_code == 200
    assert [t.pk for t in response.context["tasks"]] == [callable_.pk, not_yet.pk, no_consent.pk]
    assert response.context["callable"] == 1
    assert "不可外呼" in response.content.decode()


def test_task_page_shows_quote_preview_script_and_holds_the_task(client, book):
    seat, task, *_ = book
    client.force_login(seat)
    response = client.get(reverse("renewals:task", args=[task.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "¥3,255.00" in body  # preview total, docs/renewals.md example
    assert "(-15.6%)" in body  # change vs last year
    assert "本次通话将全程录音" in body
    task.refresh_from_db()
    assert task.locked_by == seat


def test_second_seat_gets_409_naming_the_holder(client, book):
    seat, task, *_ = book
    other = make_seat("seat2")
    client.force_login(seat)
    client.get(reverse("renewals:task", args=[task.pk]))
    RenewalTask.objects.filter(pk=task.pk).update(assignee=other)
    task.customer.owner = other  # reassigned: the customer moves with the renewal
    task.customer.save()
    client.force_login(other)
    response = client.get(reverse("renewals:task", args=[task.pk]))
    assert response.status_code == 409
    assert "seat1" in response.content.decode()


def test_a_seat_cannot_open_another_seats_customer(client, book):
    _, task, *_ = book
    stranger = make_seat("seat3")
    client.force_login(stranger)
    assert client.get(reverse("renewals:task", args=[task.pk])).status_code == 404


def test_blocked_call_from_the_page_shows_the_rule(client, book):
    seat, _, _, no_consent = book
    client.force_login(seat)
    response = client.post(reverse("renewals:call", args=[no_consent.pk]), follow=True)
    assert "未明示同意营销联系" in response.content.decode()
    assert Contact.objects.count() == 0


def test_accepting_on_the_page_shows_the_proposal_awaiting_payment_then_resend_and_cancel(
    client, book, settings, django_capture_on_commit_callbacks
):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    seat, task, *_ = book
    client.force_login(seat)
    client.post(reverse("renewals:call", args=[task.pk]))
    client.post(reverse("renewals:quote", args=[task.pk]), {"pricing_coefficient": ""})
    contact = Contact.objects.get(task=task)
    form = {"outcome": "accepted", "idempotency_key": "page-1", "contact": contact.pk}
    # "renewed" is not a choice a seat has any more: the payment renews.
    refused = client.post(
        reverse("renewals:outcome", args=[task.pk]), {**form, "outcome": "renewed"}
    )
    assert refused.status_code == 302 and RenewalTask.objects.get(pk=task.pk).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(reverse("renewals:outcome", args=[task.pk]), form)
    assert saved.url == reverse("renewals:task", args=[task.pk])
    page = client.get(saved.url).content.decode()
    task.refresh_from_db()
    assert task.status == "awaiting_payment"
    assert 'id="proposal-panel" data-status="awaiting_payment"' in page
    assert f"/pay/{task.proposal.pay_token}/" in page
    resend = client.post(reverse("renewals:proposal", args=[task.pk]), {"action": "resend"})
    assert resend.status_code == 302
    client.post(reverse("renewals:proposal", args=[task.pk]), {"action": "cancel", "reason": "x"})
    task.refresh_from_db()
    assert (task.status, task.proposal.status) == ("quoted", "cancelled")


def test_another_seat_cannot_cancel_the_proposal(client, book, settings):
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    seat, task, *_ = book
    client.force_login(seat)
    client.post(reverse("renewals:call", args=[task.pk]))
    client.post(reverse("renewals:quote", args=[task.pk]), {"pricing_coefficient": ""})
    contact = Contact.objects.get(task=task)
    client.post(
        reverse("renewals:outcome", args=[task.pk]),
        {"outcome": "accepted", "idempotency_key": "page-2", "contact": contact.pk},
    )
    other = make_seat("seat9")
    client.force_login(other)
    response = client.post(reverse("renewals:proposal", args=[task.pk]), {"action": "cancel"})
    task.refresh_from_db()
    assert response.status_code == 404 or task.proposal.status == "awaiting_payment"
    assert task.proposal.status == "awaiting_payment"


def test_the_seat_can_quote_compulsory_alone_from_the_page(client, book, settings):
    """交强险 is renewable alone (DOMAIN.md): the page offers it and the quote holds only the
    compulsory premium (¥855.00, Zhejiang group E, one clean year) and the 车船税 apart."""
    settings.CARECIRCLE_CTI = "carecircle.renewals.cti.AlwaysConnects"
    seat, task, *_ = book
    client.force_login(seat)
    page = client.get(reverse("renewals:task", args=[task.pk])).content.decode()
    assert 'name="compulsory_only"' in page
    client.post(reverse("renewals:call", args=[task.pk]))
    client.post(
        reverse("renewals:quote", args=[task.pk]),
        {"pricing_coefficient": "", "compulsory_only": "on"},
    )
    quote = task.quotes.latest("at")
    assert quote.compulsory_only is True
    assert quote.commercial_premium == 0
    assert str(quote.compulsory_premium) == "855.00"
    page = client.get(reverse("renewals:task", args=[task.pk])).content.decode()
    assert 'id="quote-commercial"' not in page  # no ¥0.00 commercial rows beside it
    assert "A = -10%" in page
