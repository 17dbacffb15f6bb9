"""The bank's files (ADR 0016, docs/payments-bank.md).

``export_batch``: every approved payment with an account, in the user's unit, leaves in one
CSV file laid out as the bank wants it (``bank_conf.BANKS``: columns, order, encoding, header,
date format); the ``PaymentBatch`` keeps who, when, the SHA-256, the count and the total.

``import_returns``: the bank's return file, one line per payment: a status in the layout's
``success`` list confirms it, one in its ``returned`` list returns it with the bank's code and
text, and any other status (blank, "processing", unknown) is an error line that changes
nothing. Each line is idempotent on its own (a payment already confirmed or returned is left
as it is), so a file imported again — or two files that overlap — changes nothing twice, while
the lines that could not apply the first time (a payment not sent yet, out of reach) are tried
again. The file's SHA-256 names its one import record (the audit keeps every run)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.access import Action as Access
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, has_perm

from .. import bank_conf
from ..choices import PaymentStatus
from ..models import BankReturnImport, Claim, ClaimPayment, PaymentBatch
from . import payment as payments
from .locks import lock_claim

P = PaymentStatus
REF_PREFIX = "CP"


def reference(payment: ClaimPayment) -> str:
    """Our reference for a payment on the bank's files (CP + 10 digits)."""
    return f"{REF_PREFIX}{payment.pk:010d}"


def payment_id(ref: str) -> int | None:
    ref = (ref or "").strip().upper()
    if not ref.startswith(REF_PREFIX) or not ref[len(REF_PREFIX) :].isdigit():
        return None
    return int(ref[len(REF_PREFIX) :])


def _staff(user: Any) -> None:
    if not has_perm(user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _claims_in_reach(user: Any):
    return Claim.objects.restrict(user, Access.CHANGE).values("pk")


def ready_to_send(user: Any):
    """Approved payments with an account, on claims the user may act on."""
    return ClaimPayment.objects.filter(
        status=P.APPROVED, account__isnull=False, claim__in=_claims_in_reach(user)
    )


# ---- the batch file ---------------------------------------------------------------------------


def _cell(column: str, n: int, p: ClaimPayment, day: dt.date, date_format: str) -> str:
    account = p.account
    assert account is not None
    values = {
        "seq": lambda: str(n),
        "reference": lambda: reference(p),
        "account_number": account.number,
        "holder_name": lambda: account.holder_name,
        "bank_name": lambda: account.bank_name,
        "branch_code": lambda: account.branch_code,
        "amount": lambda: f"{p.amount:.2f}",
        "currency": lambda: p.claim.currency,
        "purpose": lambda: f"赔款 {p.claim.claim_no}",
        "claim_no": lambda: p.claim.claim_no,
        "payee_kind": lambda: p.payee,
        "date": lambda: day.strftime(date_format),
    }
    if column not in values:
        raise DomainError("layout", f"未知列 {column} / unknown batch column {column}")
    return values[column]()


def render_batch(payments_: list[ClaimPayment], layout: dict[str, Any], day: dt.date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout["delimiter"], lineterminator="\r\n")
    columns = layout["columns"]
    if layout["header"]:
        writer.writerow(columns)
    for n, p in enumerate(payments_, start=1):
        writer.writerow([_cell(c, n, p, day, layout["date_format"]) for c in columns])
    try:
        return out.getvalue().encode(layout["encoding"])
    except UnicodeEncodeError as exc:
        raise DomainError(
            "encoding",
            f"无法以 {layout['encoding']} 编码 / not encodable: {exc.object[exc.start : exc.end]}",
        ) from exc


def export_batch(*, acting_user: Any, bank_code: str | None = None) -> PaymentBatch:
    """Send every approved payment with an account in ``acting_user``'s reach in one file."""
    _staff(acting_user)
    code, layout = bank_conf.layout(bank_code)
    now = clock.now()
    with transaction.atomic():
        ids = list(
            ready_to_send(acting_user).order_by("claim_id", "pk").values_list("claim_id", "pk")
        )
        if not ids:
            raise DomainError("nothing_to_send", "没有待汇出的支付 / no approved payment to send")
        # One locked instance per claim, shared by all its payments in the file: two payments
        # of one claim never save two copies of it (the second would undo the first's clock).
        claims = {
            claim_id: Claim.objects.select_for_update().get(pk=claim_id)
            for claim_id in sorted({c for c, _ in ids})
        }
        chosen = list(
            ClaimPayment.objects.select_related("account", "account__payee")
            .filter(pk__in=[p for _, p in ids], status=P.APPROVED)
            .order_by("pk")
        )
        for p in chosen:
            p.claim = claims[p.claim_id]
        if not chosen:
            raise DomainError("nothing_to_send", "没有待汇出的支付 / no approved payment to send")
        content = render_batch(chosen, layout, timezone.localdate(now))
        batch = PaymentBatch.objects.create(
            bank_code=code,
            file_name=f"CC-{code}-{timezone.localtime(now):%Y%m%d-%H%M%S}-{chosen[0].pk}.csv",
            file_hash=hashlib.sha256(content).hexdigest(),
            content=PaymentBatch.seal(content, layout["encoding"]),
            encoding=layout["encoding"],
            count=len(chosen),
            total=to_money(sum((p.amount for p in chosen), ZERO)),
            unit=getattr(acting_user, "unit", None),
            created_at=now,
            created_by=acting_user,
        )
        for p in chosen:
            payments.mark_sent(p, batch=batch, at=now, acting_user=acting_user)
        audit.record(acting_user, AuditLog.Action.CREATE, batch,
                     summary=f"bank batch {batch.file_name}: {batch.count} for {batch.total}")  # fmt: skip
    return batch


# ---- the return file --------------------------------------------------------------------------


@dataclass
class ReturnLine:
    n: int
    reference: str
    status: str
    amount: str = ""
    bank_ref: str = ""
    reason_code: str = ""
    reason_text: str = ""
    date: str = ""


@dataclass
class ImportResult:
    record: BankReturnImport
    already: bool = False
    outcomes: list[str] = field(default_factory=list)


def parse_returns(content: bytes, layout: dict[str, Any]) -> list[ReturnLine]:
    ret = layout["return"]
    try:
        text = content.decode(ret["encoding"])
    except UnicodeDecodeError as exc:
        raise DomainError(
            "encoding", f"文件不是 {ret['encoding']} 编码 / the file is not {ret['encoding']}"
        ) from exc
    text = text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=ret["delimiter"]))
    columns = ret["columns"]
    if ret["header"] and rows:
        rows = rows[1:]
    lines = []
    for n, row in enumerate(rows, start=2 if ret["header"] else 1):
        if not any(c.strip() for c in row):
            continue
        cells = dict(zip(columns, (c.strip() for c in row), strict=False))
        lines.append(
            ReturnLine(
                n=n,
                reference=cells.get("reference", ""),
                status=cells.get("status", ""),
                amount=cells.get("amount", ""),
                bank_ref=cells.get("bank_ref", ""),
                reason_code=cells.get("reason_code", ""),
                reason_text=cells.get("reason_text", ""),
                date=cells.get("date", ""),
            )
        )
    return lines


def _line_time(line: ReturnLine, date_format: str, now: dt.datetime) -> dt.datetime:
    """The bank's date at the end of that day (never after now); now when the line has none."""
    if not line.date:
        return now
    try:
        day = dt.datetime.strptime(line.date, date_format).date()
    except ValueError as exc:
        raise DomainError("date", f"日期格式错误 / bad date {line.date!r}") from exc
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))
    return min(moment, now)


def _status(line: ReturnLine, layout: dict[str, Any]) -> str:
    """'success' or 'returned' by the layout's lists; any other status is not an outcome (a
    blank, "processing" or unknown code): DomainError, and the line changes nothing."""
    status = line.status.strip().upper()
    for outcome in ("success", "returned"):
        if status and status in {s.strip().upper() for s in layout["return"].get(outcome, [])}:
            return outcome
    raise DomainError(
        "status",
        f"未知的回盘状态 {line.status!r}，未处理 / status {line.status!r} is neither paid "
        "nor returned: nothing changed",
    )


def _apply(line: ReturnLine, layout: dict[str, Any], user: Any, now: dt.datetime) -> str:
    """One line: 'confirmed', 'returned' or 'unchanged'; DomainError for a line that cannot
    apply (unknown reference, wrong amount, a payment not sent)."""
    _status(line, layout)
    pk = payment_id(line.reference)
    if pk is None:
        raise DomainError("reference", f"无法识别的流水 / unknown reference {line.reference!r}")
    found = ClaimPayment.objects.filter(pk=pk, claim__in=_claims_in_reach(user)).first()
    if found is None:
        raise DomainError("reference", f"找不到支付 / no payment {line.reference}")
    if line.amount:
        try:
            said = to_money(Decimal(line.amount.replace(",", "")))
        except InvalidOperation as exc:
            raise DomainError("amount", f"金额错误 / bad amount {line.amount!r}") from exc
        if said != found.amount:
            raise DomainError(
                "amount", f"金额不符 {said} ≠ {found.amount} / the amount does not match"
            )
    claim = lock_claim(found.claim)
    p = ClaimPayment.objects.select_related("account").get(pk=pk)
    p.claim = claim
    at = _line_time(line, layout["return"]["date_format"], now)
    if _status(line, layout) == "success":
        if p.status == P.RETURNED:
            raise DomainError(
                "already_returned", "该支付已退回 / this payment was already returned"
            )
        return (
            "confirmed"
            if payments.confirm(p, at=at, bank_ref=line.bank_ref, acting_user=user)
            else "unchanged"
        )
    changed = payments.mark_returned(
        p,
        at=at,
        code=line.reason_code or line.status,
        reason=line.reason_text,
        acting_user=user,
    )
    return "returned" if changed else "unchanged"


def import_returns(
    content: bytes, *, file_name: str, acting_user: Any, bank_code: str | None = None
) -> ImportResult:
    """Import a return file: each line confirms or returns one payment. The same file again
    (``already``) tries its lines again on the one record of that file: the lines applied
    before are unchanged, the lines that failed (a payment not sent yet) may apply now."""
    _staff(acting_user)
    code, layout = bank_conf.layout(bank_code)
    digest = hashlib.sha256(content).hexdigest()
    lines = parse_returns(content, layout)
    now = clock.now()
    try:
        with transaction.atomic():
            seen = BankReturnImport.objects.select_for_update().filter(file_hash=digest).first()
            if seen is not None:
                record, already = seen, True
                record.errors = []
            else:
                already = False
                record = BankReturnImport.objects.create(
                    bank_code=code,
                    file_name=(file_name or "return.csv")[:128],
                    file_hash=digest,
                    lines=len(lines),
                    unit=getattr(acting_user, "unit", None),
                    imported_at=now,
                    imported_by=acting_user,
                )
            outcomes = []
            for line in lines:
                try:
                    with transaction.atomic():
                        outcome = _apply(line, layout, acting_user, now)
                except DomainError as exc:
                    record.errors.append({"line": line.n, "reference": line.reference,
                                          "error": exc.message})  # fmt: skip
                    outcome = "error"
                outcomes.append(outcome)
            # Counts over the file's runs: what its lines did; errors: the lines still failing.
            confirmed, returned = outcomes.count("confirmed"), outcomes.count("returned")
            if already:
                record.confirmed += confirmed
                record.returned += returned
                applied = record.confirmed + record.returned + len(record.errors)
                record.unchanged = max(0, len(lines) - applied)
            else:
                record.confirmed, record.returned = confirmed, returned
                record.unchanged = outcomes.count("unchanged")
            record.save()
            audit.record(acting_user,
                         AuditLog.Action.UPDATE if already else AuditLog.Action.CREATE, record,
                         summary=f"bank return {file_name or record.file_name}"
                         f"{' (again)' if already else ''}: {confirmed} confirmed, "
                         f"{returned} returned, {len(record.errors)} errors")  # fmt: skip
    except IntegrityError:
        # The same file at the same moment from someone else: theirs counts.
        return ImportResult(BankReturnImport.objects.get(file_hash=digest), already=True)
    return ImportResult(record, already=already, outcomes=outcomes)


# ---- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    paid: Decimal
    paid_count: int
    in_flight: Decimal
    in_flight_count: int
    awaiting_approval: Decimal
    awaiting_count: int
    returned: Decimal
    returned_count: int
    returned_open: int  # returned and not yet reissued


def figures(payments_qs) -> Figures:
    """Paid (confirmed, not returned), in flight (approved or sent), awaiting approval, and
    returned — over any set of payments (a claim's, a unit's)."""
    agg = payments_qs.aggregate(
        paid=Sum("amount", filter=Q(status=P.CONFIRMED)),
        paid_n=Count("pk", filter=Q(status=P.CONFIRMED)),
        flight=Sum("amount", filter=Q(status__in=payments.IN_FLIGHT)),
        flight_n=Count("pk", filter=Q(status__in=payments.IN_FLIGHT)),
        waiting=Sum("amount", filter=Q(status=P.CREATED)),
        waiting_n=Count("pk", filter=Q(status=P.CREATED)),
        returned=Sum("amount", filter=Q(status=P.RETURNED)),
        returned_n=Count("pk", filter=Q(status=P.RETURNED)),
        open_n=Count("pk", filter=Q(status=P.RETURNED, reissue__isnull=True)),
    )
    return Figures(
        agg["paid"] or ZERO,
        agg["paid_n"],
        agg["flight"] or ZERO,
        agg["flight_n"],
        agg["waiting"] or ZERO,
        agg["waiting_n"],
        agg["returned"] or ZERO,
        agg["returned_n"],
        agg["open_n"],
    )


def payments_in_reach(user: Any):
    return ClaimPayment.objects.filter(claim__in=Claim.objects.restrict(user).values("pk"))
