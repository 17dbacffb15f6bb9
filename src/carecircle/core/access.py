"""Row-level access in one place: ``Model.objects.restrict(user)``.

Every model a user reaches is scoped through the customer it belongs to; ``customer_path``
names the lookup from the model to ``parties.Customer`` ("" for Customer itself).

- manager, service manager, claims staff, superusers: the whole book;
- seat / sales agent: customers they own (责任落实), plus those of their team if they lead it,
  plus (agents) customers with a policy they sold;
- partner user: customers with a policy the partner brought;
- customer: themselves;
- merchant user and anyone else: nothing (merchants see redemptions, not the customer book).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .roles import Perm, Role, has_perm

NOTHING = Q(pk__in=[])


def customer_scope(user, prefix: str) -> tuple[Q | None, bool]:
    """(Q over Customer fields with ``prefix``, or None for unrestricted; crosses a to-many)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING, False
    if has_perm(user, Perm.SEE_ALL_CUSTOMERS):
        return None, False
    role = user.role
    if role in (Role.SEAT, Role.SALES_AGENT):
        q = Q(**{f"{prefix}owner": user})
        if user.team_id and user.team.leader_id == user.pk:
            q |= Q(**{f"{prefix}owner__team": user.team_id})
        if role == Role.SALES_AGENT:
            q |= Q(**{f"{prefix}policies__agent": user})
            return q, True
        return q, False
    if role == Role.PARTNER_USER and user.partner_id:
        return Q(**{f"{prefix}policies__partner": user.partner_id}), True
    if role == Role.CUSTOMER and user.customer_id:
        return Q(**{f"{prefix}pk": user.customer_id}), False
    return NOTHING, False


class ScopedQuerySet(models.QuerySet):
    customer_path: str = ""

    def restrict(self, user, action="view"):
        prefix = f"{self.customer_path}__" if self.customer_path else ""
        q, crosses_many = customer_scope(user, prefix)
        if q is None:
            return self
        if q is NOTHING:
            return self.none()
        if crosses_many:
            # A scope through a to-many relation (policies__…) would repeat rows, so the
            # customers are chosen in a subquery and this model filtered by customer id.
            from carecircle.parties.models import Customer

            unprefixed, _ = customer_scope(user, "")
            ids = Customer._base_manager.filter(unprefixed).values("pk")
            return self.filter(**{f"{prefix}pk__in" if prefix else "pk__in": ids})
        return self.filter(q)
