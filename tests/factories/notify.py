"""Notify: messages, unsubscribes and the customers' WeChat / e-mail addresses."""

from __future__ import annotations

import factory
from django.utils import timezone

from carecircle.core import pii
from carecircle.notify.models import (
    ContactAddress,
    DeliveryAttempt,
    LetterTask,
    Message,
    Unsubscribe,
)

from .parties import CustomerFactory


class MessageFactory(factory.django.DjangoModelFactory):
    """A queued service SMS."""

    class Meta:
        model = Message

    customer = factory.SubFactory(CustomerFactory)
    kind = "test"
    purpose = "service"
    channel = "sms"
    status = "queued"
    subject = "测试 / test"
    body = "测试消息 / a test message"
    created_at = factory.LazyFunction(timezone.now)


class UnsubscribeFactory(factory.django.DjangoModelFactory):
    """The customer said no to marketing (on every channel unless told)."""

    class Meta:
        model = Unsubscribe

    customer = factory.SubFactory(CustomerFactory)
    at = factory.LazyFunction(timezone.now)


class ContactAddressFactory(factory.django.DjangoModelFactory):
    """An e-mail address, encrypted at rest and masked for display."""

    class Meta:
        model = ContactAddress
        exclude = ("address",)

    customer = factory.SubFactory(CustomerFactory)
    channel = "email"
    address = factory.Sequence(lambda n: f"customer{n}@example.com")
    address_encrypted = factory.LazyAttribute(lambda o: pii.encrypt(o.address))
    address_masked = factory.LazyAttribute(
        lambda o: o.address[:2] + "***@" + o.address.split("@")[1]
    )


class LegalMessageFactory(MessageFactory):
    """A legal notice (Insurance Law Art 22/24) queued on SMS under a claim's dedupe key."""

    kind = "generic"
    purpose = "legal"
    dedupe_key = factory.Sequence(lambda n: f"claim:{n}:rejection_notice")


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    """One failed SMS try of a legal notice."""

    class Meta:
        model = DeliveryAttempt

    message = factory.SubFactory(LegalMessageFactory)
    channel = "sms"
    at = factory.LazyFunction(timezone.now)
    outcome = "failed"
    error = "gateway refused"


class LetterTaskFactory(factory.django.DjangoModelFactory):
    """An open letter task: a legal notice no channel delivered, waiting to be posted."""

    class Meta:
        model = LetterTask

    message = factory.SubFactory(LegalMessageFactory, channel="letter", status="letter")
    customer = factory.SelfAttribute("message.customer")
    address_masked = "浙江省杭州市文三路1****"
    reason = "无可用电子渠道 / no SMS or e-mail address"
    created_at = factory.LazyFunction(timezone.now)
