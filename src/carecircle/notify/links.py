"""Signed links in messages: unsubscribe (a confirmation page, then a POST; RFC 8058 one-click
for mail clients).  A link expires ``UNSUBSCRIBE_LINK_DAYS`` after its message was sent: the
age is the message's own date, so links already out in the world expire too."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.urls import reverse

from . import conf

SALT = "carecircle.notify.unsubscribe"


def unsubscribe_token(message_id: int) -> str:
    return signing.Signer(salt=SALT).sign_object({"m": message_id})


def message_id_from(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SALT).unsign_object(token)["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_path(message_id: int) -> str:
    return reverse("notify:unsubscribe", args=[unsubscribe_token(message_id)])


def unsubscribe_url(message) -> str:
    return conf.get("PUBLIC_BASE_URL").rstrip("/") + unsubscribe_path(message.pk)


def link_expires_at(message) -> dt.datetime:
    """When the message's unsubscribe link stops working: ``UNSUBSCRIBE_LINK_DAYS`` after the
    message was sent (or made, when it never was)."""
    sent = message.sent_at or message.created_at
    return sent + dt.timedelta(days=conf.get("UNSUBSCRIBE_LINK_DAYS"))


def link_expired(message, now: dt.datetime) -> bool:
    return now >= link_expires_at(message)
