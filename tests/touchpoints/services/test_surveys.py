"""Surveys after key moments through notify with consent, answered once and not after expiry;
an answer lands on the timeline and in the partner's scorecard."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.ecosystem import scorecards
from carecircle.touchpoints.models import Interaction, Survey
from carecircle.touchpoints.services import surveys
from tests.factories import SH, CustomerFactory, PartnerFactory, PolicyFactory
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
