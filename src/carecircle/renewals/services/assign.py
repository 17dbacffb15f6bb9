"""责任落实: who works each telesales renewal — the pipeline's assignment, and a supervisor's
bulk reassignment (``reassign``).

In priority order, each unassigned task goes to
1. the seat already holding another open renewal of the same customer (one owner per customer),
2. last year's seat for this policy, or the customer's current owner, when that seat is active,
   has the skills and has room (continuity),
3. the least-loaded active seat with the skills (company customers, new-energy vehicles).
A seat holds at most ``daily capacity × queue horizon`` open tasks; what does not fit waits in
the pool and is counted. The assignee also becomes the customer's owner, so the customer
appears in that seat's book and no one else's (core/access.py).
"""

from __future__ import annotations

import datetime as dt
import heapq

from django.db import transaction
from django.db.models import Count

from carecircle.core import audit, locks
from carecircle.core.bulk import insert_rows, update_rows
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties.choices import CustomerKind
from carecircle.parties.models import Customer

from ..choices import AssignReason, Stage
from ..conf import RenewalSettings
from ..models import Assignment, RenewalTask, SeatProfile
from ..supervision.scope import can_supervise

BATCH = 2000


class Seat:
    __slots__ = ("companies", "limit", "load", "new_energy", "user_id")

    def __init__(self, profile: SeatProfile, horizon: int, load: int):
        self.user_id = profile.user_id
        self.limit = profile.daily_capacity * horizon
        self.load = load
        self.companies = profile.handles_companies
        self.new_energy = profile.handles_new_energy

    def fits(self, company: bool, new_energy: bool) -> bool:
        return (
            self.load < self.limit
            and (self.companies or not company)
            and (self.new_energy or not new_energy)
        )


def active_seats(horizon: int) -> dict[int, Seat]:
    load = dict(
        RenewalTask.objects.open()
        .filter(assignee__isnull=False)
        .values_list("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    profiles = SeatProfile.objects.filter(
        active=True, user__is_active=True, user__role=Role.SEAT
    ).order_by("user_id")
    return {p.user_id: Seat(p, horizon, load.get(p.user_id, 0)) for p in profiles}


def assign_open_tasks(conf: RenewalSettings, now: dt.datetime) -> dict[str, int]:
    seats = active_seats(conf.queue_horizon_days)
    pending = list(
        RenewalTask.objects.filter(stage=Stage.TELESALES, assignee__isnull=True)
        .order_by("-priority", "expiry_date", "pk")
        .values_list(
            "pk",
            "customer_id",
            "customer__kind",
            "customer__owner_id",
            "policy__vehicle__new_energy",
            "policy__renews__renewal_task__assignee_id",
        )
    )
    # Only seats count as holders: an agent's reservation on another vehicle is a claim on
    # that policy, not ownership of the customer (the assignee becomes Customer.owner).
    holder: dict[int, int] = {
        customer_id: assignee_id
        for customer_id, assignee_id in RenewalTask.objects.open()
        .filter(assignee__in=list(seats))
        .values_list("customer_id", "assignee_id")
    }
    chosen: list[tuple[int, int, str]] = []
    waiting = 0
    pool = LeastLoaded(seats)
    for pk, customer_id, kind, owner_id, new_energy, last_year in pending:
        company = kind == CustomerKind.COMPANY
        seat_id, reason = _choose(
            seats, pool, holder.get(customer_id), (last_year, owner_id), company, bool(new_energy)
        )
        if seat_id is None:
            waiting += 1
            continue
        pool.add_load(seat_id)
        holder[customer_id] = seat_id
        chosen.append((pk, seat_id, reason))
    _write(chosen, pending)
    return {"assigned": len(chosen), "unassigned": waiting}


class LeastLoaded:
    """The least-loaded seat with the skills, in O(log seats) per pick: one heap per skill
    need (company? new-energy?) of (load ratio, user id), stale entries skipped lazily."""

    NEEDS = ((False, False), (True, False), (False, True), (True, True))

    def __init__(self, seats: dict[int, Seat]):
        self.seats = seats
        self.heaps: dict[tuple[bool, bool], list[tuple[float, int]]] = {
            need: [] for need in self.NEEDS
        }
        for seat in seats.values():
            self._push(seat)

    @staticmethod
    def ratio(seat: Seat) -> float:
        return seat.load / seat.limit if seat.limit else 1.0

    def _push(self, seat: Seat) -> None:
        if seat.load >= seat.limit:
            return
        for company, new_energy in self.NEEDS:
            if (seat.companies or not company) and (seat.new_energy or not new_energy):
                heapq.heappush(self.heaps[(company, new_energy)], (self.ratio(seat), seat.user_id))

    def add_load(self, user_id: int) -> None:
        seat = self.seats[user_id]
        seat.load += 1
        self._push(seat)

    def best(self, company: bool, new_energy: bool) -> Seat | None:
        heap = self.heaps[(company, new_energy)]
        while heap:
            ratio, user_id = heap[0]
            seat = self.seats[user_id]
            if ratio == self.ratio(seat) and seat.fits(company, new_energy):
                return seat
            heapq.heappop(heap)  # stale: the seat's load moved on since this entry
        return None


def _choose(
    seats: dict[int, Seat],
    pool: LeastLoaded,
    holder: int | None,
    continuity: tuple[int | None, int | None],
    company: bool,
    new_energy: bool,
) -> tuple[int | None, str]:
    if holder is not None:
        return holder, AssignReason.SAME_CUSTOMER
    for candidate in continuity:
        seat = seats.get(candidate) if candidate else None
        if seat and seat.fits(company, new_energy):
            return seat.user_id, AssignReason.CONTINUITY
    best = pool.best(company, new_energy)
    if best is None:
        return None, ""
    return best.user_id, AssignReason.SKILL if (company or new_energy) else AssignReason.LOAD


def _write(chosen: list[tuple[int, int, str]], pending: list[tuple]) -> None:
    if not chosen:
        return
    customer_of = {row[0]: row[1] for row in pending}
    update_rows(RenewalTask, ["assignee"], [(pk, seat) for pk, seat, _ in chosen])
    owners = {customer_of[pk]: seat for pk, seat, _ in chosen}
    update_rows(Customer, ["owner"], sorted(owners.items()))
    insert_rows(
        Assignment,
        [Assignment(task_id=pk, to_user_id=seat, reason=reason) for pk, seat, reason in chosen],
    )


def reassign(tasks, to_user, by, note: str = "") -> int:
    """Supervisors move renewals in bulk; all open renewals of each customer move together so
    a customer never has two owners."""
    if not can_supervise(by):
        raise DomainError("forbidden", "无调配权限 / you cannot reassign renewals", status=403)
    if to_user.role not in (Role.SEAT, Role.SALES_AGENT) or not to_user.is_active:
        raise DomainError(
            "to_user", "只能分配给在岗坐席或代理人 / assign to an active seat or agent"
        )
    with transaction.atomic():
        customers = set(
            RenewalTask.objects.filter(pk__in=[t.pk for t in tasks]).values_list(
                "customer_id", flat=True
            )
        )
        moving = locks.lock_all(
            RenewalTask.objects.open()
            .filter(customer_id__in=customers)
            .exclude(assignee=to_user)
            .values_list("pk", "assignee_id")
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    task_id=pk,
                    from_user_id=old,
                    to_user=to_user,
                    reason=AssignReason.MANUAL,
                    by=by,
                    note=note[:255],
                )
                for pk, old in moving
            ]
        )
        RenewalTask.objects.filter(pk__in=[pk for pk, _ in moving]).update(
            assignee=to_user, stage=Stage.TELESALES, locked_by=None
        )
        Customer.objects.filter(pk__in=customers).update(owner=to_user)
        audit.record(
            by,
            AuditLog.Action.UPDATE,
            None,
            object_type="renewals.RenewalTask",
            summary=f"reassigned {len(moving)} renewals to {to_user}",
        )
    return len(moving)
