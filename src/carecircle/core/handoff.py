"""Hand-offs between domains, wired in one table (``carecircle.flows``).

Apps import only downward (docs/architecture.md). When a lower app does something a higher
one must act on — a policy written entitles the customer to vouchers; a value run finished
changes what tiers entitle — it announces the event with ``after_commit(Event.X, **ids)``.
When it needs an answer only a higher app holds — a claim asks the customer's tier — it asks
with ``ask(Question.X, **ids)``. Which function acts or answers is written once, in
``carecircle.flows`` (``settings.CARECIRCLE_FLOWS``), never in a function-local import.

Events run after the transaction commits and are ``robust``: a queue that is down must not
undo the sale (the nightly jobs catch up on anything missed).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction


class Event(enum.StrEnum):
    POLICY_WRITTEN = "policy_written"  # policy_id
    VALUE_RUN_FINISHED = "value_run_finished"  # run_id
    # A legal notice (Insurance Law Art 22/24) actually went: sent by a channel or its letter
    # recorded posted; once per message. The claims clocks stop on it.
    LEGAL_NOTICE_DISPATCHED = "legal_notice_dispatched"  # message_id, dedupe_key, at
    # A paid proposal (投保单) issued its policies / an unpaid one expired: the renewal reacts.
    PROPOSAL_ISSUED = "proposal_issued"  # proposal_id
    PROPOSAL_EXPIRED = "proposal_expired"  # proposal_id
    # A customer's list effect changed (parties.CustomerListFlag, #16): a renewal referral
    # for an entry that no longer acts is withdrawn.
    LIST_EFFECT_CHANGED = "list_effect_changed"  # customer_id


class Question(enum.StrEnum):
    CUSTOMER_TIER = "customer_tier"  # customer_id → the current tier code, "" when unvalued
    # policy_ids, on → {policy_id: [claim_no, …]}: the claims that stop cancelling a policy
    # from ``on`` (open ones, or an accident on or after ``on``); a policy with none is absent.
    CLAIMS_STOPPING_CANCELLATION = "claims_stopping_cancellation"


@cache
def _table() -> tuple[Mapping[Event, Sequence[Callable[..., Any]]], Mapping[Question, Callable]]:
    flows = import_module(getattr(settings, "CARECIRCLE_FLOWS", "carecircle.flows"))
    return flows.ON_EVENT, flows.ANSWERS


def after_commit(event: Event, **ids: Any) -> None:
    """Run each of the event's hand-offs once the current transaction commits; one that
    fails is logged and does not stop the others."""
    for handler in _table()[0].get(event, ()):
        transaction.on_commit(_bound(handler, ids), robust=True)


def _bound(handler: Callable[..., Any], ids: dict[str, Any]) -> Callable[[], None]:
    def hand_off() -> None:  # a named function: Django logs a robust callback's failure by name
        handler(**ids)

    hand_off.__qualname__ = f"hand_off:{getattr(handler, '__qualname__', handler)}"
    return hand_off


def ask(question: Question, **ids: Any) -> Any:
    return _table()[1][question](**ids)
