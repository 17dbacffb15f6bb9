"""Lists that act (#16, ADR 0018): keep each customer's ``parties.CustomerListFlag`` equal to
their strongest list entry in force, so apps below value (claims' fast track, the alliance,
renewals' quote) read the effect without importing value.

In force = ``active`` or ``appealed`` and not past ``expires_on``: an appeal pending keeps the
effect (the entry was decided by a person; the appeal is a request to undo it, and until a
person undoes it the decision stands — as a fine stands while appealed). Revoked (the
customer's appeal succeeds), expired, rejected and proposed entries have no effect: the row
goes (or falls back to a grey entry still in force) in the same transaction, and the renewal's
pending referral for the entry is withdrawn after commit (``Event.LIST_EFFECT_CHANGED``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from carecircle.core import clock, handoff
from carecircle.core.handoff import Event
from carecircle.parties.models import CustomerListFlag

from ..models import ListEntry, ListKind, ListStatus

IN_FORCE = (ListStatus.ACTIVE, ListStatus.APPEALED)


def reason_words(kind: str, reasons: str, evidence: dict[str, Any] | None, note: str = "") -> str:
    """The entry's reasons for a seat, a handler or an underwriter: the evidence the rules
    proposed it on and the decider's note."""
    evidence = evidence or {}
    parts = []
    n, lr = evidence.get("claims_3y"), evidence.get("loss_ratio_credible")
    if n is not None or lr is not None:
        try:
            pct = f"{float(str(lr)) * 100:.0f}%" if lr not in (None, "", "None") else "—"
        except (TypeError, ValueError):
            pct = "—"
        parts.append(
            f"三年{n if n is not None else '—'}次赔案，信度赔付率{pct} / "
            f"{n if n is not None else '—'} claims in 3 years, credible loss ratio {pct}"
        )
    if note:
        parts.append(f"审核意见 / decided because: {note}")
    if not parts and reasons:
        parts.append(f"原因代码 / reason codes: {reasons}")
    return "；".join(parts)


def _decision_note(entry: ListEntry) -> str:
    event = entry.events.filter(action="approve").order_by("-at", "-id").first()
    return event.note if event is not None else ""


def strongest_in_force(customer_id: int) -> ListEntry | None:
    entries = ListEntry.objects.filter(
        customer_id=customer_id, status__in=IN_FORCE, expires_on__gte=clock.today()
    )
    black = [e for e in entries if e.kind == ListKind.BLACK]
    pool = black or list(entries)
    return max(pool, key=lambda e: (e.decided_at or e.proposed_at, e.pk)) if pool else None


def sync_flag(customer_id: int) -> CustomerListFlag | None:
    """Make the customer's flag say what their entries say now; returns it (None: no effect).
    Idempotent; call inside the transaction that changed an entry. Announces the change so a
    renewal referral for an entry that no longer acts is withdrawn."""
    entry = strongest_in_force(customer_id)
    before = CustomerListFlag.objects.select_for_update().filter(customer_id=customer_id).first()
    before_id = before.entry_id if before is not None else None
    if entry is None:
        if before is not None:
            before.delete()
        flag = None
    else:
        fields = {
            "kind": entry.kind,
            "entry_id": entry.pk,
            "reasons": entry.reasons[:255],
            "reasons_text": reason_words(
                entry.kind, entry.reasons, entry.evidence, _decision_note(entry)
            ),
            "since": entry.decided_at or clock.now(),
            "expires_on": entry.expires_on,
            "under_appeal": entry.status == ListStatus.APPEALED,
        }
        flag, _ = CustomerListFlag.objects.update_or_create(
            customer_id=customer_id, defaults=fields
        )
    if before_id != (flag.entry_id if flag is not None else None):
        handoff.after_commit(Event.LIST_EFFECT_CHANGED, customer_id=customer_id)
    return flag


def sync_all() -> int:
    """Every customer with an entry in force or a flag: the backfill and the nightly check
    (``carecircle value list_effects``). Returns how many customers were looked at."""
    ids = set(
        ListEntry.objects.filter(status__in=IN_FORCE).values_list("customer_id", flat=True)
    ) | set(CustomerListFlag.objects.values_list("customer_id", flat=True))
    for customer_id in sorted(ids):
        with transaction.atomic():
            sync_flag(customer_id)
    return len(ids)
