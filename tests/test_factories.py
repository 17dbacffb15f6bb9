"""Every model of the carecircle apps has a factory in tests/factories/, and each factory
builds a row the database accepts (constraints included)."""

import factory
import pytest
from django.apps import apps

import tests.factories as factories

# Models no test builds by hand: the system writes them as bookkeeping of something else, and
# tests assert on what it wrote.
EXEMPT = {
    "core.AuditLog",  # written by core.audit beside each audited change or PII reveal
    "core.IdempotencyKey",  # written by the API kernel when a keyed request succeeds
    "notify.OutboxEntry",  # written by the send path for the outbox channel
    "alliance.RedemptionAttempt",  # the redemption log of codes tried at a merchant
    "renewals.PipelineRun",  # run bookkeeping of the nightly renewal pipeline
    "ecosystem.ReminderRun",  # run bookkeeping of the partner reminders
    "ecosystem.PartnerMonth",  # the cockpit's nightly aggregate, computed from the book
    "ecosystem.BookMonth",  # the cockpit's nightly aggregate, computed from the book
}


def _factories() -> dict[str, list[type[factory.django.DjangoModelFactory]]]:
    found: dict[str, list] = {}
    for name in factories.__all__:
        candidate = getattr(factories, name)
        if isinstance(candidate, type) and issubclass(candidate, factory.django.DjangoModelFactory):
            found.setdefault(candidate._meta.model._meta.label, []).append(candidate)
    return found


def _models() -> list[str]:
    return sorted(
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("carecircle.") and not m._meta.abstract and not m._meta.proxy
    )


def test_every_model_a_test_creates_has_a_factory():
    missing = [label for label in _models() if label not in _factories() and label not in EXEMPT]
    assert missing == [], f"add a factory to tests/factories/<app>.py for {missing}"


def test_the_exemptions_name_models_that_exist_and_have_no_factory():
    stale = sorted(label for label in EXEMPT if label not in _models() or label in _factories())
    assert stale == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "made", [f for fs in _factories().values() for f in fs], ids=lambda f: f.__name__
)
def test_each_factory_builds_a_valid_row(made):
    first, second = made(), made()
    model = made._meta.model
    assert model.objects.filter(pk__in=[first.pk, second.pk]).count() == len({first.pk, second.pk})
