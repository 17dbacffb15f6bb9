"""Surveys after key moments through notify with consent, answered once and not after expiry;
results per touchpoint, staff, partner and branch; referrals and their outcome."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.ecosystem import scorecards
from carecircle.touchpoints import surveys
from carecircle.touchpoints.models import Interaction, Survey
from tests.factories import SH, CustomerFactory, PartnerFactory, PolicyFactory, UserFactory
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def _send(customer, **kw):
    with clock.frozen_at(SENT):
        return surveys.send_survey(customer, kw.pop("moment", "claim_closed"), **kw)


def test_a_survey_goes_through_notify_to_a_customer_who_consented():
    customer = CustomerFactory(marketing_consent=True, city="杭州")
    claim = ClaimFactory(policy=PolicyFactory(vehicle__owner=customer))
    survey = _send(customer, claim=claim)
    assert (survey.status, survey.touchpoint, survey.branch) == ("sent", "claims", "杭州")
    assert survey.expires_at == SENT + dt.timedelta(days=7)
    assert survey.message.kind == "survey_invitation"
    assert survey.message.purpose == "marketing"
    assert surveys.survey_path(survey) in survey.message.body
    assert _send(customer, claim=claim).pk == survey.pk  # one survey per claim


def test_no_survey_reaches_a_customer_without_consent_and_the_block_is_logged():
    survey = _send(CustomerFactory(marketing_consent=False))
    assert survey.status == "not_sent"
    assert (survey.message.status, survey.message.block_reason) == (
        "blocked",
        "no_marketing_consent",
    )


def test_a_survey_is_answered_once():
    survey = _send(CustomerFactory(marketing_consent=True))
    with clock.frozen_at(SENT + dt.timedelta(hours=2)):
        surveys.answer(survey, csat=4, nps=9, comment="很快")
        with pytest.raises(DomainError) as caught:
            surveys.answer(survey, csat=1)
    assert (caught.value.code, caught.value.status) == ("already_answered", 409)
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "很快")


def test_a_survey_cannot_be_answered_after_it_expires():
    survey = _send(CustomerFactory(marketing_consent=True))
    with clock.frozen_at(SENT + dt.timedelta(days=7)), pytest.raises(DomainError) as caught:
        surveys.answer(survey, csat=5)
    assert (caught.value.code, caught.value.status) == ("survey_expired", 410)
    assert Survey.objects.get(pk=survey.pk).answered_at is None


def test_scores_outside_the_scales_are_refused():
    survey = _send(CustomerFactory(marketing_consent=True))
    with pytest.raises(DomainError) as caught:
        surveys.answer(survey, csat=6)
    assert caught.value.field == "csat"
    with pytest.raises(DomainError) as caught:
        surveys.answer(survey, csat=5, nps=11)
    assert caught.value.field == "nps"


def test_the_survey_page_answers_once_and_refuses_after_expiry(client):
    survey = _send(CustomerFactory(marketing_consent=True))
    path = surveys.survey_path(survey)
    with clock.frozen_at(SENT + dt.timedelta(days=1)):
        assert client.get(path).status_code == 200
        first = client.post(path, {"csat": "5", "nps": "10"})
        second = client.post(path, {"csat": "1"})
    assert first.status_code == 200 and "感谢您的评价" in first.content.decode()
    assert second.status_code == 409 and "已回答" in second.content.decode()
    late = _send(CustomerFactory(marketing_consent=True), moment="renewal")
    with clock.frozen_at(SENT + dt.timedelta(days=8)):
        response = client.post(surveys.survey_path(late), {"csat": "5"})
    assert response.status_code == 410
    assert client.get("/ecosystem/s/forged/").status_code == 404


def test_an_answer_lands_on_the_timeline_and_in_the_partners_scorecard():
    shop = PartnerFactory()
    customer = CustomerFactory(marketing_consent=True)
    survey = _send(customer, partner=shop, moment="service_used")
    with clock.frozen_at(SENT + dt.timedelta(hours=1)):
        surveys.answer(survey, csat=3)
    interaction = Interaction.objects.get(customer=customer)
    assert (interaction.satisfaction, interaction.partner, interaction.source) == (
        3,
        shop,
        "survey",
    )
    figures = scorecards.scorecard(shop, dt.date(2026, 3, 1)).figures
    assert (figures.satisfaction_n, figures.satisfaction) == (1, Decimal("3.00"))


def test_results_per_touchpoint_partner_and_staff_with_nps():
    shop = PartnerFactory(name="好车4S店")
    agent = UserFactory(username="agent7", role=Role.SALES_AGENT)
    answers = [(5, 10), (4, 9), (2, 3), (None, None)]
    for i, (csat, nps) in enumerate(answers):
        customer = CustomerFactory(marketing_consent=True)
        s = _send(customer, partner=shop, staff=agent, dedupe_key=f"k{i}")
        if csat:
            with clock.frozen_at(SENT + dt.timedelta(hours=1)):
                surveys.answer(s, csat=csat, nps=nps)
    start, end = dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH)
    (row,) = surveys.results(start, end, "partner")
    assert row == {
        "key": "好车4S店",
        "sent": 4,
        "answered": 3,
        "response_rate": Decimal("0.750"),
        "csat": Decimal("3.67"),
        "nps": Decimal("33.3"),  # 2 promoters, 1 detractor of 3
    }
    assert surveys.results(start, end, "staff")[0]["key"] == "agent7"
    assert surveys.results(start, end, "touchpoint")[0]["key"] == "claims"


def test_referrals_record_who_referred_whom_and_the_outcome():
    seat = UserFactory(username="s1", role=Role.MANAGER)
    referrer = CustomerFactory(name="李雷")
    with clock.frozen_at(SENT):
        won = surveys.record_referral(
            referrer, acting_user=seat, referred_name="韩梅梅", referred_phone="13912345678"
        )
        lost = surveys.record_referral(referrer, acting_user=seat, referred_name="王五")
    assert won.referred_phone_masked == "139****5678"
    assert Interaction.objects.filter(customer=referrer, source="referral").count() == 2
    policy = PolicyFactory()
    won = surveys.referral_outcome(won, acting_user=seat, status="won", policy=policy)
    assert (won.status, won.referred, won.policy) == ("won", policy.customer, policy)
    surveys.referral_outcome(lost, acting_user=seat, status="lost")
    with pytest.raises(DomainError):
        surveys.referral_outcome(won, acting_user=seat, status="quoted")
    summary = surveys.referral_summary(
        dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH)
    )
    assert summary == {
        "total": 2,
        "by_status": {"won": 1, "lost": 1},
        "won": 1,
        "conversion": Decimal("0.500"),
        "referrers": 1,
    }


def test_results_per_branch_follow_the_customers_city():
    answers = [("杭州", 5, 10), ("杭州", 3, 6), ("宁波", 4, 8)]
    for i, (city, csat, nps) in enumerate(answers):
        s = _send(CustomerFactory(marketing_consent=True, city=city), dedupe_key=f"b{i}")
        with clock.frozen_at(SENT + dt.timedelta(hours=1)):
            surveys.answer(s, csat=csat, nps=nps)
    start, end = dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH)
    rows = {
        r["key"]: (r["answered"], r["csat"], r["nps"])
        for r in surveys.results(start, end, "branch")
    }
    assert rows == {
        "宁波": (1, Decimal("4.00"), Decimal("0.0")),  # an 8 is passive
        "杭州": (2, Decimal("4.00"), Decimal("0.0")),  # one promoter, one detractor
    }
