"""The consents API: ``GET/POST /api/customers/{id}/consents`` — a customer's current consents
and history, and recording a grant or withdrawal. The customer is fetched through ``restrict``
(404 outside the caller's scope); partners and merchants reach no consent at all. Recording
follows ``parties.consent`` (the customer from ``phone_page``; staff from a call recording,
a paper form or an import)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from carecircle.core.api.auth import acting_user
from carecircle.core.api.schemas import ERRORS, InputSchema, RowId

from . import consent
from .models import Customer
from .models_consent import ConsentEvent

router = Router(tags=["consents"])


class ConsentStateOut(Schema):
    key: str
    purpose: str
    channel: str
    partner_id: int | None
    partner_name: str
    use: str
    status: Literal["granted", "withdrawn", "never"]
    wording: str
    text: str
    granted_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    source: str


class ConsentEventOut(Schema):
    id: int
    key: str
    purpose: str
    channel: str
    partner_id: int | None
    use: str
    action: str
    source: str
    wording: str
    text: str
    at: dt.datetime
    recorded_at: dt.datetime
    recorded_by_id: int | None
    by_customer: bool


class ConsentsOut(Schema):
    customer_id: int
    restricted: bool
    current: list[ConsentStateOut]
    history: list[ConsentEventOut]


class ConsentIn(InputSchema):
    purpose: Literal["marketing", "sharing", "automated"]
    action: Literal["grant", "withdraw"]
    channel: str = Field("", max_length=8)
    partner_id: RowId | None = None
    use: str = Field("", max_length=16)
    source: str = Field(..., max_length=16)
    wording: str | None = Field(None, max_length=32)
    at: dt.datetime | None = None


class ConsentChangeOut(Schema):
    changed: bool
    event: ConsentEventOut | None
    current: list[ConsentStateOut]


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    user = acting_user(request)
    own = getattr(user, "customer_id", None) == customer_id
    if not (getattr(user, "is_insurer_staff", False) or own):
        raise Http404("no such customer")  # partners and merchants see no consents
    return get_object_or_404(Customer.objects.restrict(user), pk=customer_id)


def _current(customer: Customer) -> list[dict]:
    return [
        {
            "key": line.key,
            "purpose": line.purpose,
            "channel": line.channel,
            "partner_id": line.partner.pk if line.partner else None,
            "partner_name": line.partner.name if line.partner else "",
            "use": line.use,
            "status": line.status,
            "wording": line.state.wording if line.state else line.wording,
            "text": line.text,
            "granted_at": line.state.granted_at if line.state else None,
            "withdrawn_at": line.state.withdrawn_at if line.state else None,
            "source": line.state.source if line.state else "",
        }
        for line in consent.lines(customer)
    ]


def _event(event: ConsentEvent) -> dict:
    return {
        **{f: getattr(event, f) for f in ConsentEventOut.model_fields if f != "by_customer"},
        "by_customer": event.by_customer,
    }


@router.get("/customers/{customer_id}/consents", response={200: ConsentsOut, **ERRORS})
def list_consents(request: HttpRequest, customer_id: int):
    customer = _customer(request, customer_id)
    return {
        "customer_id": customer.pk,
        "restricted": customer.restricted_at is not None,
        "current": _current(customer),
        "history": [_event(e) for e in consent.history(customer)],
    }


@router.post(
    "/customers/{customer_id}/consents",
    response={201: ConsentChangeOut, 200: ConsentChangeOut, **ERRORS},
)
def record_consent(request: HttpRequest, customer_id: int, payload: ConsentIn):
    customer = _customer(request, customer_id)
    user, p = acting_user(request), payload
    if p.action == "grant":
        event = consent.grant(
            customer, p.purpose, channel=p.channel, partner=p.partner_id, use=p.use,
            source=p.source, acting_user=user, wording=p.wording, at=p.at,
        )  # fmt: skip
    else:
        event = consent.withdraw(
            customer, p.purpose, channel=p.channel, partner=p.partner_id, use=p.use,
            source=p.source, acting_user=user, at=p.at,
        )  # fmt: skip
    customer.refresh_from_db()
    body = {
        "changed": event is not None,
        "event": _event(event) if event else None,
        "current": _current(customer),
    }
    return (201 if event else 200), body
