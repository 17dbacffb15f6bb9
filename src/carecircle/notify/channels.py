"""Channel adapters behind one interface: ``deliver(message, address) -> provider reference``.

- ``SmsOutboxAdapter`` and ``WeChatOutboxAdapter`` are documented adapters that write the exact
  payload a gateway would receive into ``OutboxEntry`` (the local sink for the demo and tests).
  A real gateway replaces them by a class with the same method, named in
  ``CARECIRCLE["NOTIFY"]["ADAPTERS"]`` (docs/notify.md shows how).
- ``EmailAdapter`` sends through Django's e-mail backend (SMTP in production, configured by the
  standard EMAIL_* settings; locmem in tests), with a one-click List-Unsubscribe header.

An adapter raises ``DeliveryError`` when the gateway refuses; the message is then marked failed.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from carecircle.core import pii

from . import conf
from .choices import ChannelName, Purpose
from .links import unsubscribe_url
from .models import Message, OutboxEntry


class DeliveryError(Exception):
    pass


class Adapter(Protocol):
    channel: str

    def deliver(self, message: Message, address: str) -> str: ...


def mask_address(channel: str, address: str) -> str:
    if channel == ChannelName.SMS:
        return pii.mask_phone(address)
    if channel == ChannelName.EMAIL and "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:1]}***@{domain}"
    return f"{address[:4]}****" if address else ""


def postal_masked(customer) -> str:
    """The customer's postal address as a letter task shows it: province and city in full,
    the street's first characters, the rest (house and flat) masked; "" when none is known.
    The person posting the letter reads the full address on the customer's page (revealed,
    audited)."""
    street = customer.address or ""
    place = f"{customer.province or ''}{customer.city or ''}"
    if street.startswith(place):
        street = street[len(place) :]
    masked = f"{street[:4]}****" if street else ""
    return f"{place}{masked}"[:64]


def unsubscribe_line(message: Message) -> str:
    if message.purpose != Purpose.MARKETING:
        return ""
    return f"退订 / Unsubscribe: {unsubscribe_url(message)}"


def _outbox(channel: str, rows: list[tuple[Message, dict]]) -> list[str]:
    """Write gateway payloads to the local sink; the provider reference is ``<channel>-<id>``."""
    key = "phone" if channel == ChannelName.SMS else "touser"
    entries = OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(message=m, channel=channel, address_masked=p[key], payload=p)
            for m, p in rows
        ],
        batch_size=500,
    )
    return [f"{channel}-{e.pk}" for e in entries]


class SmsOutboxAdapter:
    """SMS: signature + body (+ unsubscribe link for marketing), ≤ 70 Chinese chars per part."""

    channel = ChannelName.SMS

    def payload(self, message: Message, address: str) -> dict:
        text = conf.get("SMS_SIGNATURE") + message.body
        line = unsubscribe_line(message)
        if line:
            text += " " + line
        payload = {"phone": mask_address(self.channel, address), "text": text}
        payload["parts"] = -(-len(text) // 67) if len(text) > 70 else 1
        return payload

    def deliver(self, message: Message, address: str) -> str:
        return _outbox(self.channel, [(message, self.payload(message, address))])[0]

    def deliver_many(self, pairs: list[tuple[Message, str]]) -> list[str]:
        """A batch in one insert (``notify.services.send_many``): the local sink's version of a gateway's
        batch-send endpoint."""
        return _outbox(self.channel, [(m, self.payload(m, a)) for m, a in pairs])


class WeChatOutboxAdapter:
    """WeChat official-account template message (``/cgi-bin/message/template/send`` body)."""

    channel = ChannelName.WECHAT

    def payload(self, message: Message, address: str) -> dict:
        template_ids = conf.get("WECHAT_TEMPLATE_IDS")
        return {
            "touser": mask_address(self.channel, address),
            "template_id": template_ids.get(message.kind, f"demo-{message.kind}"),
            "data": {
                "first": {"value": message.subject},
                "keyword1": {"value": message.body},
                "remark": {"value": unsubscribe_line(message)},
            },
        }

    def deliver(self, message: Message, address: str) -> str:
        return _outbox(self.channel, [(message, self.payload(message, address))])[0]

    def deliver_many(self, pairs: list[tuple[Message, str]]) -> list[str]:
        return _outbox(self.channel, [(m, self.payload(m, a)) for m, a in pairs])


class EmailAdapter:
    channel = ChannelName.EMAIL

    def deliver(self, message: Message, address: str) -> str:
        body = message.body
        headers = {}
        line = unsubscribe_line(message)
        if line:
            body += "\n\n" + line
            headers["List-Unsubscribe"] = f"<{unsubscribe_url(message)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = EmailMessage(
            subject=message.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
        )
        try:
            sent = email.send(fail_silently=False)
        except Exception as exc:  # SMTP errors of every kind end as a failed message
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if not sent:
            raise DeliveryError("backend accepted no message")
        return f"email-{message.pk}"


def adapter_for(channel: str) -> Adapter:
    return import_string(conf.get("ADAPTERS")[channel])()
