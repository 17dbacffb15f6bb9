"""Home dashboard figures for staff, each through ``for_user``; cheap on a million customers.

For a user who sees the whole book on PostgreSQL, the two largest tables (customers,
vehicles) are counted from the planner's estimate ``pg_class.reltuples`` (kept fresh by
autovacuum's ANALYZE) once they pass ``ESTIMATE_ABOVE`` rows; the filtered counts (policies
in force, open claims) are exact and cached for ``CACHE_SECONDS`` per scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from carecircle.claims.models import OPEN_STATUSES, Claim
from carecircle.core import clock
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Customer, Partner, Vehicle
from carecircle.policies.models import Policy

ESTIMATE_ABOVE = 200_000
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    approximate: bool = False


def _estimates(*tables: type[models.Model]) -> dict[str, int]:
    """Planner row estimates (one query) for the tables big enough to be worth estimating."""
    if connection.vendor != "postgresql":
        return {}
    names = [t._meta.db_table for t in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class "
            "WHERE relname = ANY(%s) AND relkind = 'r' AND relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            [names],
        )
        return {name: int(n) for name, n in cursor.fetchall() if n >= ESTIMATE_ABOVE}


def _count(qs: models.QuerySet, estimates: dict[str, int]) -> tuple[int, bool]:
    table = qs.model._meta.db_table
    if table in estimates:
        return estimates[table], True
    return qs.count(), False


def _figures(user: Any) -> list[Figure]:
    # Estimates only stand in for unfiltered counts, i.e. for users who see the whole book.
    estimates = _estimates(Customer, Vehicle) if has_perm(user, Perm.SEE_ALL_CUSTOMERS) else {}
    customers, c_approx = _count(Customer.objects.for_user(user), estimates)
    vehicles, v_approx = _count(Vehicle.objects.for_user(user), estimates)
    in_force = Policy.objects.for_user(user).in_force_on(clock.today()).count()
    open_claims = Claim.objects.for_user(user).filter(status__in=OPEN_STATUSES).count()
    partners = Partner.objects.for_user(user).filter(active=True).count()
    return [
        Figure("customers", str(_("客户 / Customers")), customers, c_approx),
        Figure("vehicles", str(_("车辆 / Vehicles")), vehicles, v_approx),
        Figure("policies_in_force", str(_("有效保单 / Policies in force")), in_force),
        Figure("claims_open", str(_("未决赔案 / Open claims")), open_claims),
        Figure("partners", str(_("合作伙伴 / Partners")), partners),
    ]


def staff_figures(user: Any) -> list[Figure]:
    """The dashboard figures for ``user`` (cached briefly per user; staff only)."""
    if not getattr(user, "is_insurer_staff", False):
        return []
    key = f"web:dashboard:{user.pk}"
    figures = cache.get(key)
    if figures is None:
        figures = _figures(user)
        cache.set(key, figures, CACHE_SECONDS)
    return figures
