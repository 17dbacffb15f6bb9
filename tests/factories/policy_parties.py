"""The parties to a policy, a company's contact people, ownership transfers and their
endorsements (policies.models_parties, policies.models_endorsements)."""

from __future__ import annotations

import datetime as dt

import factory

from carecircle.policies.models import CompanyContact, Endorsement, OwnershipTransfer, PolicyParty

from .core import make_phone
from .parties import CustomerFactory, VehicleFactory
from .policies import PolicyFactory


class CompanyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyContact
        skip_postgeneration_save = True

    company = factory.SubFactory(CustomerFactory, kind="company", name="杭州顺达物流有限公司")
    name = factory.Sequence(lambda n: f"车管{n}")
    title = "车队经理"

    @factory.post_generation
    def phone(obj, create, extracted, **kwargs):
        obj.set_phone(extracted if extracted is not None else make_phone(900 + (obj.pk or 0)))
        if create:
            obj.save()


class PolicyPartyFactory(factory.django.DjangoModelFactory):
    """The insured of a policy (a policy written by the factory has no party rows: it reads
    as its customer being the policyholder)."""

    class Meta:
        model = PolicyParty

    policy = factory.SubFactory(PolicyFactory)
    customer = factory.SelfAttribute("policy.customer")
    role = factory.Iterator(["insured", "applicant", "owner"])


class OwnershipTransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OwnershipTransfer

    vehicle = factory.SubFactory(VehicleFactory)
    from_owner = factory.SelfAttribute("vehicle.owner")
    to_owner = factory.SubFactory(CustomerFactory)
    on = dt.date(2026, 3, 1)
    in_force = "transfer"


class EndorsementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Endorsement

    kind = "transfer"
    policy = factory.SubFactory(PolicyFactory)
    effective_on = dt.date(2026, 3, 1)
    before = factory.LazyAttribute(lambda o: {"insured": o.policy.customer_id})
    after = factory.LazyAttribute(lambda o: {"insured": o.policy.customer_id})
