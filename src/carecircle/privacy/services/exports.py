"""The customer's copy of their data (PIPL Art 45): everything held about them as a ZIP of JSON
files, made by the worker, stored encrypted, downloaded only by that customer, every download
audited, removed after the retention period (``RETENTION["data_exports"]``).

Why JSON in a ZIP rather than a workbook: the records nest (a claim with its documents and
payments, a voucher with its redemptions) and a machine can read them back (Art 45's transfer
to another handler); one file per record kind with a README in plain words keeps it readable.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import json
import logging
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from carecircle.alliance.models import Booking, Redemption, Voucher
from carecircle.claims.models import Claim, ClaimDocument, ClaimPayment, RepairService
from carecircle.core import audit, clock, locks, pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, User
from carecircle.notify.models import ContactAddress, LetterTask, Message, Unsubscribe
from carecircle.parties.models import Customer, Vehicle
from carecircle.parties.models_consent import Consent, ConsentEvent
from carecircle.policies.models import Coverage, Policy, Proposal
from carecircle.renewals.models import Contact, Quote
from carecircle.touchpoints.models import Complaint, ComplaintEvent, Interaction, Referral, Survey
from carecircle.value import public as value

from .. import conf
from ..choices import Decision, ExportStatus, RequestStatus
from ..models import DataExport, PrivacyRequest

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
FOLDER = "privacy/exports"
# Never in a copy: ciphertexts and blind indexes (the readable value is given instead),
# idempotency and dedupe keys, internal queue fields.
SKIPPED = ("_encrypted", "_hash")
SKIPPED_NAMES = {"idempotency_key", "dedupe_key", "call_id", "provider_ref", "file"}

README = """\
您的个人信息副本 / A copy of your personal data
==============================================

这是我们保存的关于您的全部信息，按类别每类一个 JSON 文件（data/ 目录）。
This is everything we hold about you, one JSON file per kind of record (the data/ folder).

manifest.json     生成时间、客户号、每类记录数 / when it was made, your customer number, counts
data/customer.json      您的客户资料 / your customer record
data/vehicles.json      您的车辆 / your vehicles
data/policies.json      保单及险别 / policies and their covers
data/proposals.json     投保单 / proposals
data/claims.json        赔案（含单证清单和赔款）/ claims, with their documents list and payments
data/repairs.json       送修服务 / repair services
data/interactions.json  服务接触记录 / contacts with our service
data/messages.json      发给您的消息、信函、退订 / messages, letters, unsubscribes
data/contact_addresses.json 联系方式 / your contact addresses
data/calls.json         续保来电与报价 / renewal calls and quotes
data/vouchers.json      服务券、核销与预约 / vouchers, redemptions and bookings
data/complaints.json    投诉及处理过程 / complaints and how they were handled
data/surveys.json       满意度调查 / surveys
data/referrals.json     您推荐的人（对方姓名已脱敏）/ people you referred (their names masked)
data/consents.json      同意的现状与历史、退订 / consents now and their history, unsubscribes
data/tier_history.json  客户等级变化及原因 / your tier over time, and why
data/list_entries.json  名单记录 / list entries
data/privacy_requests.json 您提出的个人信息权利请求 / your privacy requests

员工姓名等内部信息不在其中。如有疑问或需更正，请在“我的信息权利”页面提出。
Staff identities and internal figures are not included. To ask a question or correct
something, use the "My data rights" page.
"""


# ---- turning rows into plain data --------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return clock_local(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def clock_local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def row(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The row's own fields as JSON-safe values; links as ids; staff users left out."""
    skip = set(exclude) | SKIPPED_NAMES
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in skip or name.endswith(SKIPPED):
            continue
        if field.is_relation:
            if field.related_model is User:
                continue  # who on our side did it is not the customer's data
            out[name] = getattr(obj, field.attname)
            continue
        out[name] = _plain(getattr(obj, field.attname))
    return out


def _decrypt(token: str) -> str:
    try:
        return pii.decrypt(token) if token else ""
    except Exception:
        return ""


def collect(customer: Customer) -> dict[str, Any]:
    """Everything held about ``customer``, kind by kind (the export's data/ files)."""
    c = customer
    me = row(c)
    me["phone"] = _decrypt(c.phone_encrypted)
    me["id_number"] = _decrypt(c.id_number_encrypted)
    claims = list(Claim.objects.filter(policy__customer=c).order_by("reported_at", "pk"))
    claim_ids = [k.pk for k in claims]
    docs: dict[int, list] = {}
    for d in ClaimDocument.objects.filter(claim_id__in=claim_ids).order_by("uploaded_at", "pk"):
        docs.setdefault(d.claim_id, []).append(row(d))
    pays: dict[int, list] = {}
    for p in ClaimPayment.objects.filter(claim_id__in=claim_ids).order_by("pk"):
        pays.setdefault(p.claim_id, []).append(row(p))
    policies = []
    covers: dict[int, list] = {}
    policy_rows = list(Policy.objects.filter(customer=c).order_by("effective_date", "pk"))
    for cov in Coverage.objects.filter(policy__customer=c).order_by("pk"):
        covers.setdefault(cov.policy_id, []).append(row(cov))
    for p in policy_rows:
        policies.append(row(p) | {"coverages": covers.get(p.pk, [])})
    vouchers = []
    redemptions: dict[int, list] = {}
    for r in Redemption.objects.filter(voucher__customer=c).order_by("pk"):
        redemptions.setdefault(r.voucher_id, []).append(row(r))
    bookings: dict[int, list] = {}
    for b in Booking.objects.filter(voucher__customer=c).order_by("pk"):
        bookings.setdefault(b.voucher_id, []).append(row(b))
    for v in Voucher.objects.filter(customer=c).order_by("pk"):
        vouchers.append(
            row(v) | {"redemptions": redemptions.get(v.pk, []), "bookings": bookings.get(v.pk, [])}
        )
    events: dict[int, list] = {}
    for e in ComplaintEvent.objects.filter(complaint__customer=c).order_by("at", "pk"):
        events.setdefault(e.complaint_id, []).append(row(e))
    addresses = [
        row(a) | {"address": _decrypt(a.address_encrypted)}
        for a in ContactAddress.objects.filter(customer=c).order_by("pk")
    ]
    referrals = [
        row(r, exclude=("referred_phone_masked",))
        | {"referred_name": pii.mask_name(r.referred_name)}
        for r in Referral.objects.filter(referrer=c).order_by("recorded_at", "pk")
    ]
    unsubscribes = [row(u) for u in Unsubscribe.objects.filter(customer=c).order_by("at", "pk")]
    return {
        "customer": [me],
        "vehicles": [row(v) for v in Vehicle.objects.filter(owner=c).order_by("pk")],
        "policies": policies,
        "proposals": [row(p) for p in Proposal.objects.filter(customer=c).order_by("pk")],
        "claims": [
            row(k) | {"documents": docs.get(k.pk, []), "payments": pays.get(k.pk, [])}
            for k in claims
        ],
        "repairs": [row(r) for r in RepairService.objects.filter(customer=c).order_by("pk")],
        "interactions": [
            row(i) for i in Interaction.objects.filter(customer=c).order_by("occurred_at", "pk")
        ],
        "messages": {
            "messages": [
                row(m, exclude=("context",))
                for m in Message.objects.filter(customer=c).order_by("created_at", "pk")
            ],
            "letters": [row(t) for t in LetterTask.objects.filter(customer=c).order_by("pk")],
        },
        "contact_addresses": addresses,
        "calls": {
            "calls": [row(k) for k in Contact.objects.filter(customer=c).order_by("at", "pk")],
            "quotes": [row(q) for q in Quote.objects.filter(task__customer=c).order_by("at", "pk")],
        },
        "vouchers": vouchers,
        "complaints": [
            row(k) | {"events": events.get(k.pk, [])}
            for k in Complaint.objects.filter(customer=c).order_by("received_at", "pk")
        ],
        "surveys": [row(s) for s in Survey.objects.filter(customer=c).order_by("sent_at", "pk")],
        "referrals": referrals,
        "consents": {
            "current": [row(k) for k in Consent.objects.filter(customer=c).order_by("key")],
            "history": [
                row(e) for e in ConsentEvent.objects.filter(customer=c).order_by("at", "pk")
            ],
            "unsubscribes": unsubscribes,
            "do_not_call_until": _plain(c.do_not_call_until),
        },
        "tier_history": value.tier_history(c.pk),
        "list_entries": value.list_entries(c.pk),
        "privacy_requests": [
            row(r, exclude=("escalated_to", "escalated_at"))
            for r in PrivacyRequest.objects.filter(customer=c).order_by("received_at", "pk")
        ],
    }


def counts_of(data: dict[str, Any]) -> dict[str, int]:
    def n(v: Any) -> int:
        if isinstance(v, list):
            return len(v)
        if isinstance(v, dict):
            return sum(len(x) for x in v.values() if isinstance(x, list))
        return 0

    return {k: n(v) for k, v in data.items()}


def zip_bytes(customer: Customer, data: dict[str, Any], made_at: dt.datetime) -> bytes:
    manifest = {
        "format_version": FORMAT_VERSION,
        "customer_no": customer.customer_no,
        "generated_at": clock_local(made_at).isoformat(),
        "counts": counts_of(data),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", README)
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for kind, rows in data.items():
            z.writestr(f"data/{kind}.json", json.dumps(rows, ensure_ascii=False, indent=2))
    return buf.getvalue()


def seal(raw: bytes) -> bytes:
    """AES-256-GCM under the field key (core.pii), as text bytes."""
    return pii.encrypt(base64.b64encode(raw).decode()).encode()


def unseal(sealed: bytes) -> bytes:
    return base64.b64decode(pii.decrypt(sealed.decode()))


# ---- making and serving the file -----------------------------------------------------------


def build(export_id: int) -> str:
    """Make the file (the worker's job). Idempotent: an export already made, expired or failed
    is left alone. On success the copy request is answered at once."""
    export = DataExport.objects.select_related("customer", "request").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.PENDING:
        return export.status if export else "missing"
    now = clock.now()
    try:
        data = collect(export.customer)
        raw = zip_bytes(export.customer, data, now)
        name = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.zip.enc", ContentFile(seal(raw)))
    except Exception as exc:
        log.exception("data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(
            status=ExportStatus.FAILED, error=str(exc)[:255]
        )
        return ExportStatus.FAILED
    days = conf.retention("data_exports")
    expires = now + dt.timedelta(days=days.get("days", 0) + 365 * days.get("years", 0))
    with transaction.atomic():
        export = locks.lock(DataExport, pk=export_id)
        if export.status != ExportStatus.PENDING:
            transaction.on_commit(lambda: default_storage.delete(name))
            return export.status
        export.status = ExportStatus.READY
        export.file_name, export.size = name, len(raw)
        export.counts = counts_of(data)
        export.ready_at, export.expires_at = now, expires
        export.save()
        request = locks.lock(PrivacyRequest, pk=export.request_id)
        if request.status == RequestStatus.OPEN:
            until = clock_local(expires).strftime("%Y-%m-%d %H:%M")
            request.status, request.decision = RequestStatus.ANSWERED, Decision.GRANTED
            request.answered_at = now
            request.answer = (
                f"您的数据副本已生成，请在 {until} 前在本页下载。"
                f" / Your copy is ready: download it from this page before {until}."
            )
            request.save(update_fields=["status", "decision", "answered_at", "answer"])
        audit.record(
            None,
            AuditLog.Action.CREATE,
            export,
            summary=f"data export made for customer {export.customer_id} ({len(raw)} bytes)",
            changes={"counts": export.counts},
        )
    return ExportStatus.READY


def open_for(export_id: int, user: Any) -> tuple[DataExport, bytes]:
    """The decrypted ZIP for its own customer only (staff, partners and other customers get
    not-found, so an id reveals nothing); each download counted and audited."""
    export = DataExport.objects.restrict(user).filter(pk=export_id).first()
    if (
        export is None
        or not getattr(user, "customer_id", None)
        or user.customer_id != export.customer_id
    ):
        raise DomainError("not_found", "没有这个文件 / no such file", status=404)
    if export.status != ExportStatus.READY or (
        export.expires_at is not None and export.expires_at <= clock.now()
    ):
        raise DomainError(
            "expired",
            "文件已过期或尚未生成，请重新申请 / the file has expired or is not ready: ask again",
            status=410,
        )
    with default_storage.open(export.file_name, "rb") as fh:
        raw = unseal(fh.read())
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(downloads=models.F("downloads") + 1)
        audit.record(
            user,
            AuditLog.Action.VIEW,
            export,
            summary=f"data export downloaded by customer {export.customer_id}",
        )
    return export, raw


def remove_file(export: DataExport) -> None:
    if export.file_name:
        default_storage.delete(export.file_name)


def is_expired(export: DataExport, now: dt.datetime) -> bool:
    return export.expires_at is not None and export.expires_at <= now
