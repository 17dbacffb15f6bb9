"""The payment gateway interface. One adapter per vendor, chosen by the ``GATEWAY`` setting:
create an order for a proposal (→ where the customer pays), verify a notification the
gateway posts back, query an order's state. The simulator implements it for the demo and
tests; WeChat Pay / Alipay adapters (issue #22) implement the same three methods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.utils.module_loading import import_string

from . import conf


@dataclass(frozen=True)
class PayRequest:
    """Where to send the customer (a URL; for a QR-code or in-app vendor, the code's URL)."""

    pay_url: str


@dataclass(frozen=True)
class Notification:
    """What a verified notification says about one of our orders."""

    reference: str  # our order reference (the vendor's out_trade_no)
    paid: bool
    amount: Decimal
    gateway_txn: str  # the vendor's transaction id
    paid_at: dt.datetime | None


class Gateway(Protocol):
    name: str

    def create_order(
        self,
        *,
        reference: str,
        amount: Decimal,
        description: str,
        expires_at: dt.datetime,
        return_url: str,
    ) -> PayRequest: ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Parse a posted notification; raise ``signing.InvalidSignature`` if it is not
        authentic and current."""
        ...

    def query(self, reference: str) -> Notification | None:
        """The order's state at the gateway (None: unknown there or not paid)."""
        ...


def gateway(name: str | None = None) -> Gateway:
    """The configured adapter; ``name`` must match it (a notification for another gateway
    is not ours to verify)."""
    adapter: Gateway = import_string(conf.get("GATEWAY"))()
    if name is not None and adapter.name != name:
        raise LookupError(name)
    return adapter
