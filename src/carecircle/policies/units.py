"""Which unit (机构) a new policy belongs to, and the customer's servicing unit from their first
policy. A policy renewed from a proposal stays where the renewal was worked (the renewal task's
unit, which the pipeline takes from the expiring policy), else the selling seat's or agent's
unit; a policy written by staff belongs to the customer's unit when that is inside the writer's
subtree (head office keying a branch's policy), else to the writer's unit. A customer with no servicing unit
yet takes the unit of the policy they get (docs/units.md)."""

from __future__ import annotations

from carecircle.core.access import in_subtree
from carecircle.parties.models import Customer


def first_unit(*candidates: int | None) -> int | None:
    """The first unit id that is set."""
    return next((c for c in candidates if c), None)


def writing_unit(acting_user, customer_unit_id: int | None) -> int | None:
    """The unit of a policy ``acting_user`` writes for a customer of ``customer_unit_id``: the
    customer's unit when the writer reaches it (the more precise of the two), else the
    writer's own, else the customer's."""
    writer = getattr(acting_user, "unit_id", None)
    if customer_unit_id and (writer is None or in_subtree(acting_user, customer_unit_id)):
        return customer_unit_id
    return first_unit(writer, customer_unit_id)


def settle_customer_unit(customer_id: int, unit_id: int | None) -> bool:
    """Give the customer ``unit_id`` as servicing unit if they have none yet (their first
    policy); a customer already served somewhere keeps their unit. One UPDATE."""
    if not unit_id:
        return False
    return bool(Customer.objects.filter(pk=customer_id, unit__isnull=True).update(unit_id=unit_id))
