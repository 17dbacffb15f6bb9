"""The reserve report (issue #16): for a period ``[since, as_of]`` (local dates), each reserve's
opening balance, its movements by kind, its closing balance, what was paid, what was recovered
and the net incurred — for the whole book and by unit (机构), coverage and handler.

Every figure is aggregated in the database, one grouped query per source (movements,
payments, recoveries) over (unit, handler, coverage[, reserve type, kind]); the few thousand
groups are rolled up here. They tie out by construction and a test holds them to it:

    opening + Σ movements = closing              (per group, per reserve type, overall)
    paid = confirmed − returned + reissued
    net incurred = paid + (closing − opening) − recoveries

``paid`` follows the payment contract (``ClaimPayment``): a payment counts at ``confirmed_at``;
one confirmed and later returned counts negative at ``returned_at``; one returned before
confirmation never counts; a reissue (``reissue_of``) counts when confirmed. Recoveries are
subrogation receipts (each on its own ``received_on``: a subrogation recovered in two
instalments counts each in its period) and salvage proceeds (``sold_on``) in the period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from carecircle.core.models import OrgUnit
from carecircle.core.money import ZERO, to_money
from carecircle.core.unit_scope import NO_UNIT, UnitScope
from carecircle.policies.choices import CoverageCode

from ..choices import ReserveKind, ReserveType
from ..models import ClaimPayment, ReserveMovement, Salvage, SubrogationReceipt

KINDS = tuple(ReserveKind.values)
PAID = ("confirmed", "returned", "reissued", "paid")
DIMENSIONS = ("unit", "coverage", "handler")
NONE = "—"
WORK_MEM = "64MB"  # for the report's statements only (SET LOCAL)


def period(as_of: dt.date, since: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period asked for; by default the calendar year to ``as_of``."""
    since = since or as_of.replace(month=1, day=1)
    if since > as_of:
        raise ValueError("--from is after --as-of")
    return since, as_of


def _bounds(since: dt.date, as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


@dataclass
class Figures:
    """One group's figures, per reserve type; ``add`` sums, ``as_dict`` ties them out."""

    opening: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    moved: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    paid: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    recovered: Decimal = ZERO

    def add(self, other: Figures) -> None:
        for k, v in other.opening.items():
            self.opening[k] += v
        for km, v in other.moved.items():
            self.moved[km] += v
        for k, v in other.paid.items():
            self.paid[k] += v
        self.recovered += other.recovered

    def reserve(self, reserve_type: str | None = None) -> dict[str, Any]:
        types = [reserve_type] if reserve_type else list(ReserveType.values)
        opening = to_money(sum((self.opening[t] for t in types), ZERO))
        movements = {k: to_money(sum((self.moved[(t, k)] for t in types), ZERO)) for k in KINDS}
        closing = to_money(opening + sum(movements.values(), ZERO))
        return {"opening": opening, "movements": movements, "closing": closing}

    def as_dict(self) -> dict[str, Any]:
        whole = self.reserve()
        paid = {k: to_money(self.paid[k]) for k in PAID[:3]}
        paid["paid"] = to_money(paid["confirmed"] - paid["returned"] + paid["reissued"])
        recovered = to_money(self.recovered)
        return {
            **whole,
            "case": self.reserve(ReserveType.CASE),
            "expense": self.reserve(ReserveType.EXPENSE),
            "paid": paid["paid"],
            "payments": paid,
            "recoveries": recovered,
            "net_incurred": to_money(
                paid["paid"] + whole["closing"] - whole["opening"] - recovered
            ),
        }


Key = tuple[Any, Any, str]  # (unit_id, handler_id, coverage)


def _movements(qs: QuerySet[ReserveMovement], start, end) -> dict[Key, Figures]:
    out: dict[Key, Figures] = defaultdict(Figures)
    rows = (
        qs.filter(at__lt=end)
        .values_list("claim__unit_id", "claim__handler_id", "coverage", "reserve_type", "kind")
        .annotate(
            before=Sum("amount", filter=Q(at__lt=start)),
            within=Sum("amount", filter=Q(at__gte=start)),
        )
        .order_by()
    )
    for unit_id, handler_id, coverage, reserve_type, kind, before, within in rows:
        f = out[(unit_id, handler_id, coverage)]
        f.opening[reserve_type] += before or ZERO
        f.moved[(reserve_type, kind)] += within or ZERO
    return out


def _payments(qs: QuerySet[ClaimPayment], start, end, out: dict[Key, Figures]) -> None:
    confirmed = Q(confirmed_at__gte=start, confirmed_at__lt=end)
    returned = Q(confirmed_at__isnull=False, returned_at__gte=start, returned_at__lt=end)
    rows = (
        qs.filter(confirmed | returned)
        .values_list("claim__unit_id", "claim__handler_id", "claim__coverage")
        .annotate(
            confirmed=Sum("amount", filter=confirmed & Q(reissue_of__isnull=True)),
            returned=Sum("amount", filter=returned),
            reissued=Sum("amount", filter=confirmed & Q(reissue_of__isnull=False)),
        )
        .order_by()
    )
    for unit_id, handler_id, coverage, c, r, re in rows:
        f = out[(unit_id, handler_id, coverage)]
        f.paid["confirmed"] += c or ZERO
        f.paid["returned"] += r or ZERO
        f.paid["reissued"] += re or ZERO


def _recoveries(
    receipts: QuerySet[SubrogationReceipt],
    salvages: QuerySet[Salvage],
    since: dt.date,
    as_of: dt.date,
    out: dict[Key, Figures],
) -> None:
    keys = ("claim__unit_id", "claim__handler_id", "claim__coverage")
    for qs, amount, on in (
        (receipts, "amount", "received_on"),
        (salvages, "proceeds", "sold_on"),
    ):
        rows = (
            qs.filter(**{f"{on}__gte": since, f"{on}__lte": as_of})
            .values_list(*keys)
            .annotate(s=Sum(amount))
            .order_by()
        )
        for unit_id, handler_id, coverage, s in rows:
            out[(unit_id, handler_id, coverage)].recovered += s or ZERO


def _group(groups: dict[Key, Figures], key_of: Callable[[Key], str]) -> dict[str, Figures]:
    out: dict[str, Figures] = defaultdict(Figures)
    for key, f in groups.items():
        out[key_of(key)].add(f)
    return out


def reserve_report(
    user: Any,
    as_of: dt.date,
    since: dt.date | None = None,
    units: UnitScope | None = None,
) -> dict[str, Any]:
    """The report for ``user``'s claims (``restrict``; ``user=None``: the whole book, for the
    command), narrowed to ``units``' chosen subtree. By unit, rows roll up to the units
    directly below the one shown (the page) or stay per unit (the command)."""
    since, as_of = period(as_of, since)
    start, end = _bounds(since, as_of)

    def scoped(model):
        qs = model.objects.all() if user is None else model.objects.restrict(user)
        return qs if units is None else units.narrow(qs, "claim__unit")

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The movements' join to a 1M-claim book hashes in memory instead of in batches on
            # disk; JIT compiles for longer than these few-second scans gain from it.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL jit = off")
        groups = _movements(scoped(ReserveMovement), start, end)
        _payments(scoped(ClaimPayment), start, end, groups)
        _recoveries(scoped(SubrogationReceipt), scoped(Salvage), since, as_of, groups)

    book = Figures()
    for f in groups.values():
        book.add(f)
    handler_ids = {k[1] for k in groups if k[1] is not None}
    names = dict(get_user_model().objects.filter(pk__in=handler_ids).values_list("pk", "username"))
    unit_key: Callable[[Key], str]
    unit_label: Callable[[str], str]
    unit_order: Callable[[str], Any]
    if units is not None:
        unit_key = lambda k: units.group_key(k[0])  # noqa: E731
        unit_label, unit_order = units.group_label, units.group_order
    else:
        unit_ids = {k[0] for k in groups if k[0] is not None}
        codes = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "code"))
        labels = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("code", "name"))
        unit_key = lambda k: codes.get(k[0], NO_UNIT)  # noqa: E731
        unit_label = lambda c: labels.get(c, "未分配机构 / No unit")  # noqa: E731
        unit_order = lambda c: (c == NO_UNIT, c)  # noqa: E731

    def rows(by: dict[str, Figures], label, order) -> list[dict[str, Any]]:
        return [{"key": k, "name": label(k), **by[k].as_dict()} for k in sorted(by, key=order)]

    return {
        "as_of": as_of.isoformat(),
        "from": since.isoformat(),
        **book.as_dict(),
        "by_unit": rows(_group(groups, unit_key), unit_label, unit_order),
        "by_coverage": rows(_group(groups, lambda k: k[2] or NONE), _coverage_label, str),
        "by_handler": rows(
            _group(groups, lambda k: names.get(k[1], NONE)),
            lambda k: k,
            lambda k: (k == NONE, k),
        ),
    }


def _coverage_label(code: str) -> str:
    try:
        return str(CoverageCode(code).label)
    except ValueError:
        return code


def as_json(report: dict[str, Any]) -> dict[str, Any]:
    """Decimals as strings (``json.dumps``-ready), everything else as it is."""

    def conv(v: Any) -> Any:
        if isinstance(v, Decimal):
            return f"{v:.2f}"
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return conv(report)
