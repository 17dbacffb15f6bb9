"""The payment simulator (demo and tests): a phone-friendly "bank" page where the customer
presses pay; the simulator then posts a signed notification to our endpoint over HTTP, exactly
as a real gateway would. It keeps no books of its own: it reads the amount from our order
(a real gateway knows it from ``create_order``)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import uuid
from collections.abc import Mapping
from decimal import Decimal

from django.urls import reverse

from carecircle.core import clock

from . import conf, signing
from .base import Notification, PayRequest


class SimulatorGateway:
    name = "simulator"

    def create_order(
        self,
        *,
        reference: str,
        amount: Decimal,
        description: str,
        expires_at: dt.datetime,
        return_url: str,
    ) -> PayRequest:
        return PayRequest(pay_url=reverse("policies:simulator", args=[reference]))

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        signing.verify(
            conf.webhook_secret(),
            body,
            headers,
            now=clock.now().timestamp(),
            tolerance=int(conf.get("WEBHOOK_TOLERANCE_SECONDS")),
        )
        try:
            data = json.loads(body)
            return Notification(
                reference=str(data["reference"]),
                paid=data["status"] == "paid",
                amount=Decimal(str(data["amount"])),
                gateway_txn=str(data["txn"]),
                paid_at=dt.datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None,
            )
        except (ValueError, KeyError, TypeError, ArithmeticError):
            raise signing.InvalidSignature(
                "bad_body", "通知内容无法解析 / unreadable body"
            ) from None

    def query(self, reference: str) -> Notification | None:
        return None  # the simulator keeps no books; it only ever pushes notifications

    # The simulator's own side: what its pay button does.
    def notification(self, reference: str, amount: Decimal) -> tuple[bytes, dict[str, str]]:
        """The signed body and headers of a "paid" notification for ``reference``."""
        now = clock.now()
        body = json.dumps(
            {
                "reference": reference,
                "status": "paid",
                "amount": str(amount),
                "txn": f"SIM{uuid.uuid4().hex[:20].upper()}",
                "paid_at": now.isoformat(),
            },
            sort_keys=True,
        ).encode()
        headers = signing.sign(conf.webhook_secret(), int(now.timestamp()), body)
        return body, headers


def deliver(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST the notification to our endpoint; the HTTP status it answered."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 (http(s) checked above)
        url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our URL)
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)
