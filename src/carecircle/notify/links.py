"""Signed links in messages: one-step unsubscribe."""

from __future__ import annotations

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
