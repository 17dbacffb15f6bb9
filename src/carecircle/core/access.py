"""Row-level access in one place: ``Model.objects.restrict(user, action)``.

Every queryset that reaches a user goes through ``restrict``. A model does not write its own
rule; its queryset declares how its rows *reach* people (``Reach``: the lookup from a row to the
customer it concerns, the partner that brought it, the merchant that serves it, the team that
works it), and the one rule below turns a user and an action into a filter over those lookups.
Views and services never widen a scope: a supervisor's wider view is a ``whole_book``
permission or a ``team`` lookup in the declaration, not an override in a view.

The rule, for a user and the model's reach for the action:

- not logged in, inactive, or lacking the action's ``needs`` permission: nothing;
- holding any ``whole_book`` permission (``STAFF``: any insurer staff role): the rows of their
  unit's subtree (机构: ``unit`` lookup; a head-office user sees every row, a user with no unit
  none); a model that declares no unit path (the partner list, the catalogue) is book-wide;
- merchant user: rows whose ``merchant`` is their merchant;
- partner user (4S shop, intermediary, repair shop): rows whose ``partner`` is theirs — one
  of the declared paths, row by row: the policies it brought, the claims on them or sent to
  its shop. Never by customer: a shared customer's other rows do not follow;
- customer: their own rows, plus ``customers_see`` (the public catalogue);
- seat or sales agent: rows of customers they own (责任落实); agents also customers with a
  policy they sold; a team leader also the team's customers;
- a team leader (any role): rows whose ``team`` is the team they lead;
- anyone else: nothing.

An action a model does not declare reaches no row.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from .roles import Perm, Role, has_perm

NOTHING = Q(pk__in=[])
STAFF = "staff"  # in ``whole_book``: any insurer staff role sees every row


class Action(enum.StrEnum):
    VIEW = "view"
    CHANGE = "change"
    REVEAL = "reveal"  # full personal data (ID and mobile numbers), each reveal audited
    REPORT = "report"  # figures about a partner or a team (scorecards, supervision)


@dataclass(frozen=True)
class Reach:
    """How a model's rows reach the people who may act on them; ``None`` = no such path.

    Lookups are ORM paths from the row; ``""`` means the row itself (a Customer's ``customer``,
    a Partner's ``partner``, a Team's ``team``).
    """

    customer: str | None = None
    partner: str | tuple[str, ...] | None = None
    merchant: str | None = None
    team: str | None = None
    unit: str | None = None  # default: the customer's unit (``<customer>__unit``)
    whole_book: tuple[Perm | str, ...] = (Perm.SEE_ALL_CUSTOMERS,)
    customers_see: Q | None = None
    needs: Perm | None = None

    def needing(self, perm: Perm) -> Reach:
        return replace(self, needs=perm)

    @property
    def unit_path(self) -> str | None:
        if self.unit is not None:
            return self.unit
        return None if self.customer is None else _join(self.customer, "unit")

    @property
    def partner_paths(self) -> tuple[str, ...]:
        if self.partner is None:
            return ()
        return (self.partner,) if isinstance(self.partner, str) else self.partner


def _join(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def _is(path: str, value: Any) -> Q:
    """Rows whose ``path`` points at ``value`` (a primary key)."""
    return Q(**{path or "pk": value})


def _related_model(model: type[models.Model], path: str) -> type[models.Model]:
    for name in filter(None, path.split("__")):
        model = model._meta.get_field(name).related_model  # type: ignore[assignment]
    return model


def _crosses_many(model: type[models.Model], path: str) -> bool:
    for name in filter(None, path.split("__")):
        field = model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model  # type: ignore[assignment]
    return False


def _partner_rows(user, reach: Reach, model: type[models.Model]) -> Q:
    """Rows on any declared partner path; a path through a to-many relation (a customer's
    ``policies__partner``) is a subquery so rows are not repeated."""
    rows = NOTHING
    for path in reach.partner_paths:
        if _crosses_many(model, path):
            ids = model._base_manager.filter(_is(path, user.partner_id)).values("pk")
            q = Q(pk__in=ids)
        else:
            q = _is(path, user.partner_id)
        rows = q if rows is NOTHING else rows | q
    return rows


def _unit_of(user) -> tuple[str, int | None]:
    """The user's unit as (path, parent id), without a query when the login brought it
    (the session backend selects it; the API token's query joins it)."""
    if hasattr(user, "api_unit_path"):
        return user.api_unit_path, user.api_unit_parent
    unit = user.unit
    return unit.path, unit.parent_id


def unit_subtree_ids(user) -> list[int] | None:
    """The ids of the units under ``user``'s unit (itself included); ``None`` for a
    head-office user or a superuser (every unit); ``[]`` for staff with no unit. Cached on
    the user for the request."""
    if hasattr(user, "_unit_subtree"):
        return user._unit_subtree
    ids: list[int] | None
    if user.is_superuser:
        ids = None
    elif not getattr(user, "unit_id", None):
        ids = []
    else:
        path, parent = _unit_of(user)
        if parent is None:
            ids = None
        else:
            from .models import OrgUnit

            ids = list(OrgUnit.objects.filter(path__startswith=path).values_list("pk", flat=True))
    user._unit_subtree = ids
    return ids


def in_subtree(user, unit_id: int | None) -> bool:
    """Whether a row of unit ``unit_id`` is inside ``user``'s subtree (a row with no unit is
    seen by head office only)."""
    ids = unit_subtree_ids(user)
    return ids is None or (unit_id is not None and unit_id in ids)


def _unit_rows(user, reach: Reach) -> Q | None:
    path = reach.unit_path
    if path is None:
        return None
    ids = unit_subtree_ids(user)
    if ids is None:
        return None
    return Q(**{_join(path, "in"): ids}) if ids else NOTHING


def _holds(user, marker: Perm | str) -> bool:
    if marker == STAFF:
        return bool(getattr(user, "is_insurer_staff", False))
    return has_perm(user, Perm(marker))


def leads_team(user) -> bool:
    return bool(user.team_id) and user.team.leader_id == user.pk


def _customer_q(user, path: str) -> tuple[Q, bool]:
    """The customers a seat or agent works with, as a filter over ``path``
    (the lookup to Customer), and whether it crosses a to-many relation."""
    field = lambda name: _join(path, name)  # noqa: E731
    role = user.role
    if role not in (Role.SEAT, Role.SALES_AGENT):
        return NOTHING, False
    q = Q(**{field("owner"): user})
    if leads_team(user):
        q |= Q(**{field("owner__team"): user.team_id})
    if role == Role.SALES_AGENT:
        return q | Q(**{field("policies__agent"): user}), True
    return q, False


def _customer_rows(user, reach: Reach, model: type[models.Model]) -> Q:
    path = reach.customer
    assert path is not None
    q, crosses_many = _customer_q(user, path)
    if q is NOTHING or not crosses_many:
        return q
    # A scope through a to-many relation (policies__…) would repeat rows, so the customers
    # are chosen in a subquery and this model filtered by customer id.
    on_customer, _ = _customer_q(user, "")
    customers = _related_model(model, path)._base_manager.filter(on_customer).values("pk")
    return Q(**{_join(path, "pk__in"): customers})


def rows_for(user, reach: Reach | None, model: type[models.Model]) -> Q | None:
    """The filter ``user`` gets on ``model`` under ``reach``; ``None`` means every row."""
    if reach is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if reach.needs is not None and not has_perm(user, reach.needs):
        return NOTHING
    if any(_holds(user, marker) for marker in reach.whole_book):
        return _unit_rows(user, reach)
    role = user.role
    rows = NOTHING
    if role == Role.MERCHANT_USER:
        if reach.merchant is not None and user.partner_id:
            rows = _is(reach.merchant, user.partner_id)
    elif role == Role.PARTNER_USER:
        if reach.partner_paths and user.partner_id:
            rows = _partner_rows(user, reach, model)
    elif role == Role.CUSTOMER:
        if reach.customer is not None and user.customer_id:
            rows = _is(reach.customer, user.customer_id)
        if reach.customers_see is not None:
            rows = reach.customers_see if rows is NOTHING else rows | reach.customers_see
    elif reach.customer is not None:
        rows = _customer_rows(user, reach, model)
    if reach.team is not None and getattr(user, "team_id", None) and leads_team(user):
        led = _is(reach.team, user.team_id)
        rows = led if rows is NOTHING else rows | led
    return rows


class RestrictedQuerySet(models.QuerySet):
    """A queryset whose rows reach users through ``reach`` (one ``Reach`` per action)."""

    reach: ClassVar[Mapping[Action, Reach]] = {}

    def restrict(self, user, action: Action | str = Action.VIEW):
        rows = rows_for(user, self.reach.get(Action(action)), self.model)
        if rows is None:
            return self
        if rows is NOTHING:
            return self.none()
        return self.filter(rows)

    def reaches_all(self, user, action: Action | str = Action.VIEW) -> bool:
        """True when ``restrict`` leaves every row (the user sees the whole book)."""
        return rows_for(user, self.reach.get(Action(action)), self.model) is None


def customer_reach(path: str, **more: Any) -> dict[Action, Reach]:
    """The usual declaration for rows about one customer: seen by whoever sees the customer."""
    return {Action.VIEW: Reach(customer=path, **more)}
