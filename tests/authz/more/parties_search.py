"""The customer search by full phone number over the API (#21, docs/privacy.md "Search and
lookups"): the number travels in the JSON body, never in the URL. Every role may ask; each
finds only the customers it may see (the one access rule), so side A's customer is listed for
those who reach side A and no one else; anonymous callers get 401."""

from __future__ import annotations

from typing import Any

from carecircle.core import pii

from ..routes import POST, SEES_A, Check, api, pk_of, seen_by
from ..world import Side, World


def _phone_of_customer(w: World, s: Side, r: str) -> dict[str, Any]:
    return {"phone": pii.decrypt(s.customer.phone_encrypted)}


ROUTES: dict[str, list[Check]] = {
    "POST api/customers/search": [
        Check(
            POST,
            api(200),
            data=_phone_of_customer,
            listed=(pk_of("customer"), seen_by(*SEES_A)),
            why="by the customer's full phone in the body: in scope listed, else an empty list",
        )
    ],
}
