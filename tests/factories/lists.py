"""Lists that act (#16): a customer's list effect and a renewal's underwriting referral."""

from __future__ import annotations

import factory
from django.utils import timezone

from carecircle.parties.models import CustomerListFlag
from carecircle.renewals.models import UnderwritingReferral

from .parties import CustomerFactory
from .renewals import RenewalTaskFactory


class CustomerListFlagFactory(factory.django.DjangoModelFactory):
    """A grey-list effect (the entry id is a plain number: value's entry is not made)."""

    class Meta:
        model = CustomerListFlag

    customer = factory.SubFactory(CustomerFactory)
    kind = "grey"
    entry_id = factory.Sequence(lambda n: 900_000 + n)
    reasons = "list_grey"
    reasons_text = "三年4次赔案，信度赔付率180% / 4 claims in 3 years, credible loss ratio 180%"
    since = factory.LazyFunction(timezone.now)


class UnderwritingReferralFactory(factory.django.DjangoModelFactory):
    """A pending referral of a renewal for a black-list entry."""

    class Meta:
        model = UnderwritingReferral

    task = factory.SubFactory(RenewalTaskFactory)
    customer = factory.SelfAttribute("task.customer")
    unit = factory.SelfAttribute("task.unit")
    list_entry_id = factory.Sequence(lambda n: 800_000 + n)
    list_reasons = "list_black"
    list_reasons_text = "三年6次赔案 / 6 claims in 3 years"
    referred_at = factory.LazyFunction(timezone.now)
