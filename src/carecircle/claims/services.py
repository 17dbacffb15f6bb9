"""State changes on claims. Each runs in one transaction with the claim row locked, checks
permission and the transition table, records the transition (who/when/why) and the audit row,
and refreshes the claim's clocks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, to_money
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Partner
from carecircle.policies.models import Policy

from . import conf, notices, rules, screening
from . import settings_view as sv
from .adjustment import Loss, adjust
from .choices import (
    Action,
    ClaimStatus,
    DocumentKind,
    FlagStatus,
    Payee,
    PaymentKind,
    ReportChannel,
    SurveyMode,
)
from .models import OPEN_STATUSES, Claim, ClaimDocument, ClaimFlag, ClaimPayment
from .screening import fast_track_refusals
from .timeline import record as _record
from .uploads import check_upload

S = ClaimStatus
CUSTOMER_ACTIONS = frozenset(
    {Action.REFER, Action.ACCEPT_OFFER, Action.WITHDRAW, Action.DOCUMENTS_COMPLETE}
)


# ---- who may do what ------------------------------------------------------------------------


def is_own_customer(user, claim: Claim) -> bool:
    return bool(getattr(user, "customer_id", None)) and user.customer_id == claim.policy.customer_id


def _require(user, claim: Claim, action: str) -> None:
    step = rules.STEPS.get(action)
    if step is not None and step.approver_only:
        if not has_perm(user, Perm.APPROVE_CLAIMS):
            raise PermissionDenied("只有核赔人可以执行 / only claims approvers may do this")
        return
    if has_perm(user, Perm.HANDLE_CLAIMS):
        return
    if action in CUSTOMER_ACTIONS and is_own_customer(user, claim):
        return
    raise PermissionDenied("无权处理该赔案 / you are not allowed to handle this claim")


def _visible(user, claim: Claim) -> None:
    if not Claim.objects.restrict(user).filter(pk=claim.pk).exists():
        raise PermissionDenied("无权访问该赔案 / this claim is outside your access")


# ---- helpers ----------------------------------------------------------------------------------


def _money(field: str, value: Any, *, required: bool = False) -> Decimal:
    if value in (None, ""):
        if required:
            raise DomainError("required", f"{field} 必填 / {field} is required", field)
        return ZERO
    try:
        amount = to_money(value)
    except (ValueError, TypeError, InvalidOperation):
        raise DomainError("not_money", "金额格式不正确 / not an amount of money", field) from None
    if amount < 0:
        raise DomainError("negative_amount", "金额不能为负 / amount cannot be negative", field)
    return amount


def _share(value: Any) -> Decimal:
    try:
        share = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "liability_share", "责任比例须为0到1的小数 / liability share is 0 to 1", "share"
        ) from None
    if not Decimal("0") <= share <= Decimal("1"):
        raise DomainError(
            "liability_share", "责任比例须在0到1之间 / liability share must be 0 to 1", "share"
        )
    return share


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("policy").get(pk=claim.pk)


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def clock_facts(claim: Claim) -> rules.ClockFacts:
    return rules.ClockFacts(
        status=claim.status,
        reported_on=timezone.localdate(claim.reported_at),
        amount=claim.amount_approved or claim.amount_assessed or claim.amount_reserved or ZERO,
        injury=claim.injury,
        approved_on=_local(claim.approved_at),
        rejected_on=_local(claim.rejected_at),
        rejection_notice_on=_local(claim.rejection_notice_at),
        documents_complete_on=_local(claim.documents_complete_at),
        waiting_since=_local(claim.waiting_since),
        paused_days=claim.paused_days,
    )


def refresh_clocks(claim: Claim, today: dt.date | None = None) -> None:
    """Set the promised date and the legal clock on ``claim`` (not saved)."""
    result = rules.evaluate_clocks(
        clock_facts(claim), today or clock.today(), sv.calendar(), sv.clock_settings()
    )
    claim.promised_on = result.promised_on
    claim.promise_state = result.promise_state
    claim.due_on = result.due_on
    claim.due_clock = result.due_clock
    claim.clock_state = result.clock_state


def _save(claim: Claim) -> None:
    refresh_clocks(claim)
    claim.save()


# ---- report (报案) ---------------------------------------------------------------------------


def report_claim(
    *,
    acting_user,
    policy: Policy,
    accident_at: dt.datetime,
    description: str = "",
    location: str = "",
    injury: bool = False,
    single_vehicle: bool = False,
    liability_clear: bool = False,
    customer_estimate: Any = None,
    coverage: str | None = None,
    channel: str = ReportChannel.STAFF,
    photos: list[UploadedFile] | None = None,
) -> Claim:
    """报案. The accident must fall in the policy period; photos are checked before anything is
    written; screening (review flags, the fast track on the estimate) runs in a task after the
    commit (``screen``)."""
    if not (
        has_perm(acting_user, Perm.HANDLE_CLAIMS)
        or getattr(acting_user, "customer_id", None) == policy.customer_id
        or (
            getattr(acting_user, "partner_id", None) and policy.partner_id == acting_user.partner_id
        )
    ):
        raise PermissionDenied("无权为该保单报案 / you may not report a claim on this policy")
    if channel not in ReportChannel.values:
        raise DomainError("channel", "报案渠道不合法 / unknown report channel", "channel")
    if accident_at is None or timezone.is_naive(accident_at):
        raise DomainError(
            "accident_at", "出险时间须含时区 / accident time needs a zone", "accident_at"
        )
    now = clock.now()
    if accident_at > now:
        raise DomainError(
            "accident_in_future",
            "出险时间不能晚于现在 / the accident is in the future",
            "accident_at",
        )
    rules.check_policy_covers(
        timezone.localdate(accident_at),
        policy.effective_date,
        policy.expiry_date,
        policy.cancelled_on,
        timezone.localdate(now),
        conf.get("TIME_BAR_DAYS"),
    )
    estimate = None if customer_estimate in (None, "") else _money("estimate", customer_estimate)
    checked = [_check_file(photo, photo=True) for photo in photos or []]
    if coverage is None:
        coverage = "compulsory" if policy.kind == "compulsory" else "vehicle_damage"
    with transaction.atomic():
        claim = Claim(
            claim_no=f"CL{timezone.localdate(now):%Y%m%d}{uuid.uuid4().hex[:10].upper()}",
            policy=policy,
            vehicle_id=policy.vehicle_id,
            coverage=coverage,
            accident_at=accident_at,
            reported_at=now,
            description=description[:2000],
            location=location[:128],
            injury=injury,
            single_vehicle=single_vehicle,
            liability_clear=liability_clear,
            customer_estimate=estimate,
            amount_reserved=estimate or ZERO,
            report_channel=channel,
            source=f"report:{channel}",
            status=S.REPORTED,
        )
        _save(claim)
        _record(claim, Action.REPORT, "", acting_user, description[:255], channel=channel)
        for photo, content_type in zip(photos or [], checked, strict=True):
            _store_document(claim, photo, DocumentKind.PHOTO, acting_user, content_type)
        audit.record(acting_user, AuditLog.Action.CREATE, claim, summary=claim.claim_no)
        # Screening reads the policy's history, the tier and the admin rules (≈10 queries):
        # a task after commit keeps the report request small. Until it has run the claim shows
        # "审核中 / being checked"; `claims_clocks` screens any claim whose task was lost.
        # robust: a queue that is down must not turn a committed report into an error page.
        # (A plain function, not functools.partial: Django logs a robust failure by __qualname__.)
        claim_id = claim.pk
        transaction.on_commit(lambda: enqueue_screening(claim_id), robust=True)
    return claim


def enqueue_screening(claim_id: int) -> None:
    from .tasks import screen_claim

    screen_claim.enqueue(claim_id)


def screen(claim_id: int) -> str:
    """审核 a reported claim once: raise review flags for its signals and, if it is still
    waiting for dispatch and fits the fast-track rule on the customer's estimate, put it on
    the fast track. Idempotent: a claim already screened is left alone ("done" returned)."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("policy").filter(pk=claim_id)
        found = claim.first()
        if found is None:
            return "missing"
        claim = found
        if claim.screened_at is not None:
            return "done"
        estimate = claim.customer_estimate
        screening.raise_flags(claim, screening.fraud_signals(claim, estimate or ZERO))
        outcome = "screened"
        # A handler may have dispatched the claim before the task ran: then it stays with them.
        if estimate is not None and claim.status == S.REPORTED:
            refusals = fast_track_refusals(claim)
            if not refusals:
                _enter_fast_track(claim)
                outcome = "fast_track"
        claim.screened_at = clock.now()
        claim.save(update_fields=["screened_at", "updated_at"])
    return outcome


def screen_pending(*, older_than: dt.timedelta = dt.timedelta(minutes=5), limit: int = 1000) -> int:
    """Recovery sweep: screen reported claims whose task was lost (a crash after the commit,
    a queue emptied). Run by `carecircle claims_clocks`; screening is idempotent."""
    ids = list(
        Claim.objects.filter(
            screened_at__isnull=True,
            reported_at__lt=clock.now() - older_than,
            status__in=OPEN_STATUSES,
        )
        .exclude(report_channel="")
        .order_by("reported_at")
        .values_list("pk", flat=True)[:limit]
    )
    for claim_id in ids:
        screen(claim_id)
    return len(ids)


def _system_step(claim: Claim, action: str, **fields: Any) -> None:
    before = claim.status
    rules.check_transition(action, claim.status, claim.injury)
    claim.status = rules.STEPS[action].target or claim.status
    for k, v in fields.items():
        setattr(claim, k, v)
    _save(claim)
    _record(claim, action, before, None, "快赔规则 / fast-track rule", by="fast_track")


def _enter_fast_track(claim: Claim) -> None:
    """Remote survey from the photos: dispatch, survey and register at once; the handler's
    remote assessment then runs straight through to payment."""
    claim.fast_track = True
    _record(claim, Action.FAST_TRACK, claim.status, None, "符合快赔规则 / fast track")
    _system_step(claim, Action.DISPATCH)
    _system_step(claim, Action.SURVEY, survey_mode=SurveyMode.REMOTE)
    _system_step(claim, Action.REGISTER)


# ---- documents ------------------------------------------------------------------------------


def _check_file(upload: UploadedFile, *, photo: bool) -> str:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return check_upload(
        upload.name or "",
        head,
        upload.size or 0,
        max_bytes=conf.get("PHOTO_MAX_BYTES"),
        extensions=conf.get("UPLOAD_EXTENSIONS"),
        photo=photo,
    )


def _store_document(
    claim: Claim, upload: UploadedFile, kind: str, actor, content_type: str = ""
) -> ClaimDocument:
    content_type = content_type or _check_file(upload, photo=kind == DocumentKind.PHOTO)
    ext = (upload.name or "").rsplit(".", 1)[-1].lower()
    doc = ClaimDocument(
        claim=claim,
        kind=kind,
        original_name=(upload.name or "")[:128],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=clock.now(),
    )
    doc.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    doc.save()
    return doc


def upload_documents(
    claim: Claim, files: list[UploadedFile], *, acting_user, kind: str = DocumentKind.DOCUMENT
) -> list[ClaimDocument]:
    """Photos or documents on a claim; all files are checked before any is stored."""
    _visible(acting_user, claim)
    if not (has_perm(acting_user, Perm.HANDLE_CLAIMS) or is_own_customer(acting_user, claim)):
        raise PermissionDenied("无权上传 / you may not upload to this claim")
    if kind not in DocumentKind.values:
        raise DomainError("document_kind", "文件类型不合法 / unknown document kind", "kind")
    if not files:
        raise DomainError("file_required", "请选择文件 / choose a file", "file")
    for f in files:
        _check_file(f, photo=kind == DocumentKind.PHOTO)
    with transaction.atomic():
        claim = _locked(claim)
        docs = [_store_document(claim, f, kind, acting_user) for f in files]
        audit.record(
            acting_user, AuditLog.Action.UPDATE, claim, summary=f"{len(docs)} file(s) uploaded"
        )
    return docs


# ---- the workflow ---------------------------------------------------------------------------


def _assess(claim: Claim, data: dict[str, Any]) -> dict[str, Any]:
    parts = _money("parts", data.get("parts"))
    labour = _money("labour", data.get("labour"))
    paint = _money("paint", data.get("paint"))
    total = to_money(parts + labour + paint)
    if total <= 0 and not claim.injury:
        raise DomainError("assessment_empty", "定损金额须大于0 / the assessed loss is 0", "parts")
    if data.get("repair_shop_id"):
        _set_shop(claim, data["repair_shop_id"])
    claim.assessment = {"parts": str(parts), "labour": str(labour), "paint": str(paint)}
    claim.amount_assessed = total
    claim.amount_reserved = total
    return {"amount_assessed": total}


def _coverage_limit(claim: Claim, code: str) -> Decimal | None:
    row = claim.policy.coverages.filter(code=code).values_list("limit", flat=True)
    if not row:
        return None
    limit = row[0]
    if limit is None and code == "vehicle_damage":
        price = claim.vehicle.price if claim.vehicle_id else None
        return price if price is not None else Decimal("999999999.99")
    return limit if limit is not None else Decimal("999999999.99")


def _adjust(claim: Claim, data: dict[str, Any]) -> dict[str, Any]:
    share = _share(data.get("liability_share", claim.liability_share or "1"))
    loss = Loss(
        own_damage=claim.amount_assessed or ZERO,
        other_vehicle_damage=_money("other_vehicle_damage", data.get("other_vehicle_damage")),
        third_party_property=_money("third_party_property", data.get("third_party_property")),
        medical=_money("medical", data.get("medical")),
        death_disability=_money("death_disability", data.get("death_disability")),
        liability_share=share,
        multi_vehicle=bool(data.get("multi_vehicle", not claim.single_vehicle)),
        all_parties_at_fault=bool(data.get("all_parties_at_fault", False)),
        deductible=_money("deductible", data.get("deductible")),
        vehicle_damage_limit=_coverage_limit(claim, "vehicle_damage"),
        third_party_limit=_coverage_limit(claim, "third_party"),
    )
    at_fault, not_at_fault = sv.compulsory_limits()
    result = adjust(loss, at_fault, not_at_fault, to_money(conf.get("MUTUAL_COLLISION_MAX")))
    if result.total <= 0:
        raise DomainError(
            "nothing_payable",
            "理算结果为0，请改为拒赔或撤案 / nothing is payable: reject or withdraw instead",
            "liability_share",
        )
    claim.liability_share = share
    claim.adjustment = result.as_dict()
    claim.amount_approved = result.total
    claim.amount_reserved = result.total
    claim.escalated_to = ""
    return {"total": result.total, "mutual_collision": result.mutual_collision}


def _set_shop(claim: Claim, shop_id: Any) -> Partner:
    shop = Partner.objects.filter(
        pk=shop_id, kind__in=("repair_shop", "four_s_shop"), active=True
    ).first()
    if shop is None:
        raise DomainError(
            "repair_shop", "修理厂不存在或未合作 / unknown repair shop", "repair_shop_id"
        )
    terms = getattr(shop, "repair_terms", None)
    if terms is not None and not terms.active:
        raise DomainError(
            "repair_shop", "该修理厂暂停合作 / shop not taking referrals", "repair_shop_id"
        )
    if claim.repair_shop_id != shop.pk:
        from .network import check_capacity

        check_capacity(shop, terms)
    claim.repair_shop = shop
    return shop


@dataclass
class Outcome:
    claim: Claim
    escalated_to: str = ""


def transition(
    claim: Claim, action: str, *, acting_user, reason: str = "", data: dict | None = None
) -> Claim:
    """Run one step of the workflow (everything except approve and pay, which have their own
    functions because of authority limits and money)."""
    if action == Action.APPROVE:
        return approve(claim, acting_user=acting_user, reason=reason).claim
    if action == Action.PAY:
        pay(claim, acting_user=acting_user)
        return Claim.objects.get(pk=claim.pk)
    if action in rules.SHOP_ACTIONS:
        raise DomainError(
            "shop_action", "修理厂在合作伙伴门户操作 / the shop does this in its portal", "action"
        )
    data = dict(data or {})
    _visible(acting_user, claim)
    _require(acting_user, claim, action)
    with transaction.atomic():
        claim = _locked(claim)
        step = rules.check_transition(action, claim.status, claim.injury)
        reason = rules.require_reason(action, reason)
        before = claim.status
        extra: dict[str, Any] = {}
        now = clock.now()
        if action == Action.DISPATCH and data.get("handler_id"):
            claim.handler_id = int(data["handler_id"])
        elif action == Action.DISPATCH and claim.handler_id is None:
            claim.handler = acting_user
        elif action == Action.SURVEY:
            mode = data.get("survey_mode", SurveyMode.ON_SITE)
            if mode not in SurveyMode.values:
                raise DomainError(
                    "survey_mode", "查勘方式不合法 / unknown survey mode", "survey_mode"
                )
            claim.survey_mode = mode
            if "liability_clear" in data:
                claim.liability_clear = bool(data["liability_clear"])
        elif action == Action.ASSESS:
            extra = _assess(claim, data)
        elif action == Action.ADJUST:
            extra = _adjust(claim, data)
        elif action == Action.FOLLOW_UP:
            claim.followed_up_at = now
            if data.get("satisfaction"):
                claim.satisfaction = _score(data["satisfaction"])
        elif action == Action.CLOSE:
            claim.closed_at = now
        elif action == Action.REOPEN:
            claim.reopen_count += 1
            claim.closed_at = None
            claim.approved_at = None
            claim.approved_by = None
            claim.rejected_at = None
            claim.rejection_reason = ""
            claim.rejection_notice_at = None
            claim.escalated_to = ""
        elif action == Action.WITHDRAW:
            claim.closed_at = now
            claim.amount_reserved = ZERO
        elif action == Action.REJECT:
            claim.rejected_at = now
            claim.rejection_reason = reason
            claim.closed_at = now
            claim.amount_reserved = ZERO
        elif action == Action.REQUEST_DOCUMENTS:
            if claim.documents_requested_at is not None:
                raise DomainError(
                    "one_notice",
                    f"补充材料已于 {timezone.localtime(claim.documents_requested_at):%Y-%m-%d} "
                    "一次性告知，不得再次要求 / missing documents must be requested in one notice "
                    "(Art 22); it was sent already",
                    "action",
                    status=409,
                )
            claim.documents_requested_at = now
            claim.documents_requested = reason
            claim.waiting_since = now
        elif action == Action.DOCUMENTS_COMPLETE:
            if claim.waiting_since is not None:
                claim.paused_days += sv.calendar().between(
                    timezone.localdate(claim.waiting_since), timezone.localdate(now)
                )
                claim.waiting_since = None
            claim.documents_complete_at = claim.documents_complete_at or now
        elif action == Action.REJECTION_NOTICE:
            if claim.rejection_notice_at is not None:
                raise DomainError(
                    "notice_sent",
                    "拒赔通知书已发出 / the notice was sent already",
                    "action",
                    status=409,
                )
            claim.rejection_notice_at = now
        elif action == Action.REFER:
            shop = _set_shop(claim, data.get("repair_shop_id"))
            extra = {"shop": shop.name}
        elif action == Action.ACCEPT_OFFER:
            claim.offer_accepted_at = now
        elif action == Action.ADVANCE_PAYMENT:
            raise DomainError("use_advance", "请使用先予支付 / use pay_advance", "action")
        if step.target is not None:
            claim.status = step.target
        _save(claim)
        _record(claim, action, before, acting_user, reason, **extra)
        if action == Action.REFER:
            screening.raise_flags(claim, screening.fraud_signals(claim, claim.amount_reserved))
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            claim,
            summary=f"{claim.claim_no} {action}",
            changes={"status": [before, claim.status]},
        )
        if action == Action.ASSESS and claim.fast_track:
            _fast_track_after_assessment(claim, acting_user)
        # The legal notices go to the customer after the commit (Art 22, Art 24).
        if action == Action.REQUEST_DOCUMENTS:
            notices.queue_documents_notice(claim)
        elif action == Action.REJECT:
            notices.queue_rejection_notice(claim)
    return claim


def _score(value: Any) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError("satisfaction", "满意度须为1到5 / satisfaction is 1 to 5", "satisfaction")
    return score


def _fast_track_after_assessment(claim: Claim, acting_user) -> None:
    """Straight through: loss check, adjustment, approval by the fast-track rule and payment,
    if the assessed amount still fits the rule; otherwise the claim leaves the fast track and
    goes on as a normal claim (recorded with the reasons)."""
    refusals = fast_track_refusals(claim, claim.amount_assessed)
    if refusals:
        claim.fast_track = False
        claim.save(update_fields=["fast_track", "updated_at"])
        _record(claim, Action.FAST_TRACK, claim.status, None, "; ".join(refusals), left=True)
        return
    _system_step(claim, Action.CHECK_LOSS)
    extra = _adjust(claim, {"liability_share": claim.liability_share or "1"})
    _system_step(claim, Action.ADJUST)
    now = clock.now()
    _system_step(claim, Action.APPROVE, approved_at=now, approved_by=None)
    _record_approval_audit(claim, None, extra["total"])
    _pay_locked(claim, acting_user=None, key=_final_key(claim), payee=_default_payee(claim))


def _record_approval_audit(claim: Claim, actor, amount: Decimal) -> None:
    audit.record(
        actor, AuditLog.Action.UPDATE, claim, summary=f"{claim.claim_no} approved {amount}"
    )


# ---- approval with authority limits ---------------------------------------------------------


def approve(claim: Claim, *, acting_user, reason: str = "") -> Outcome:
    """核赔 within the approver's authority. Above it the claim is escalated to the next level
    (recorded) and the approval is refused with a 403 naming the limit and the new level."""
    _visible(acting_user, claim)
    _require(acting_user, claim, Action.APPROVE)
    ladder = sv.authority_ladder()
    refusal: DomainError | None = None
    with transaction.atomic():
        claim = _locked(claim)
        rules.check_transition(Action.APPROVE, claim.status, claim.injury)
        amount = claim.amount_approved or ZERO
        role = "manager" if acting_user.is_superuser else acting_user.role
        if not rules.may_approve(amount, role, ladder):
            target = rules.escalation_target(amount, role, ladder) or ""
            mine = next((a.limit for a in ladder if a.role == role), ZERO)
            if claim.escalated_to != target:
                claim.escalated_to = target
                _save(claim)
                _record(
                    claim,
                    Action.ESCALATE,
                    claim.status,
                    acting_user,
                    reason or f"超出核赔权限 {mine} / above the authority limit {mine}",
                    amount=amount,
                    to=target,
                )
            refusal = DomainError(
                "above_authority",
                f"赔款 {amount} 超出您的核赔权限 {mine}，已上报至 {target or '—'} / {amount} is "
                f"above your approval limit of {mine}; escalated to {target or 'nobody'}",
                "amount",
                status=403,
            )
        else:
            before = claim.status
            claim.status = S.APPROVED
            claim.approved_at = clock.now()
            claim.approved_by = acting_user
            claim.escalated_to = ""
            _save(claim)
            _record(claim, Action.APPROVE, before, acting_user, reason, amount=amount)
            _record_approval_audit(claim, acting_user, amount)
    if refusal is not None:
        raise refusal
    return Outcome(claim)


# ---- payment, exactly once ------------------------------------------------------------------


def _final_key(claim: Claim) -> str:
    return f"claim:{claim.pk}:final:{claim.reopen_count}"


def _default_payee(claim: Claim) -> str:
    return Payee.SHOP if claim.repair_shop_id else Payee.CUSTOMER


def _pay_locked(claim: Claim, *, acting_user, key: str, payee: str) -> ClaimPayment:
    """With the claim row locked: one settlement per claim and round, whatever the key."""
    existing = ClaimPayment.objects.filter(
        claim=claim, kind=PaymentKind.FINAL, round=claim.reopen_count
    ).first()
    if existing is not None:
        return existing
    rules.check_transition(Action.PAY, claim.status, claim.injury)
    paid_before = claim.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    amount = to_money((claim.amount_approved or ZERO) - paid_before)
    if amount <= 0:
        raise DomainError("nothing_to_pay", "已无应付金额 / nothing left to pay", "amount")
    before = claim.status
    now = clock.now()
    payment = ClaimPayment.objects.create(
        claim=claim,
        kind=PaymentKind.FINAL,
        round=claim.reopen_count,
        amount=amount,
        payee=payee,
        payee_shop=claim.repair_shop if payee == Payee.SHOP else None,
        idempotency_key=key,
        created_at=now,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    claim.status = S.PAID
    claim.amount_paid = to_money(paid_before + amount)
    claim.amount_reserved = ZERO
    claim.paid_at = now
    _save(claim)
    _record(claim, Action.PAY, before, acting_user, "", amount=amount, key=key, payee=payee)
    audit.record(
        acting_user, AuditLog.Action.UPDATE, claim, summary=f"{claim.claim_no} paid {amount}"
    )
    return payment


def pay(
    claim: Claim, *, acting_user, idempotency_key: str | None = None, payee: str | None = None
) -> ClaimPayment:
    """支付. Exactly once: a retry with the same key, a second click, two people at once or the
    recovery sweep all return the one settlement payment."""
    if acting_user is not None:
        _visible(acting_user, claim)
        _require(acting_user, claim, Action.PAY)
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 128:
        raise DomainError("idempotency_key", "幂等键过长 / key longer than 128", "Idempotency-Key")
    if payee is not None and payee not in Payee.values:
        raise DomainError("payee", "收款方不合法 / unknown payee", "payee")
    try:
        with transaction.atomic():
            if key:
                replay = ClaimPayment.objects.filter(idempotency_key=key).first()
                if replay is not None:
                    if replay.claim_id != claim.pk:
                        raise DomainError(
                            "idempotency_key_reused",
                            "该幂等键已用于另一赔案 / key used for another claim",
                            "Idempotency-Key",
                            status=409,
                        )
                    return replay
            locked = _locked(claim)
            return _pay_locked(
                locked,
                acting_user=acting_user,
                key=key or _final_key(locked),
                payee=payee or _default_payee(locked),
            )
    except IntegrityError:
        # A concurrent request with the same key or for the same claim won: its payment counts.
        found = ClaimPayment.objects.filter(claim=claim, kind=PaymentKind.FINAL).order_by("-round")
        if key:
            found = ClaimPayment.objects.filter(idempotency_key=key) | found
        payment = found.first()
        if payment is None:
            raise
        return payment


def settle_approved(*, limit: int = 1000) -> int:
    """Recovery sweep: approved claims whose payment was lost (a crash between approval and
    payment) are paid now, once. Run by `carecircle claims_clocks --settle` or the worker."""
    done = 0
    for claim in Claim.objects.filter(status=S.APPROVED).order_by("approved_at")[:limit]:
        try:
            pay(claim, acting_user=None)
            done += 1
        except DomainError:
            continue
    return done


def pay_advance(claim: Claim, amount: Any, *, acting_user, idempotency_key: str | None = None):
    """先予支付 (Art 25): pay the certain part when the amount is still open."""
    _visible(acting_user, claim)
    _require(acting_user, claim, Action.ADVANCE_PAYMENT)
    amount = _money("amount", amount, required=True)
    if amount <= 0:
        raise DomainError("amount", "金额须大于0 / the amount must be above 0", "amount")
    with transaction.atomic():
        claim = _locked(claim)
        rules.check_transition(Action.ADVANCE_PAYMENT, claim.status, claim.injury)
        n = claim.payments.filter(kind=PaymentKind.ADVANCE).count()
        key = idempotency_key or f"claim:{claim.pk}:advance:{n + 1}"
        replay = ClaimPayment.objects.filter(idempotency_key=key, claim=claim).first()
        if replay is not None:
            return replay
        payment = ClaimPayment.objects.create(
            claim=claim,
            kind=PaymentKind.ADVANCE,
            round=claim.reopen_count,
            amount=amount,
            payee=Payee.CUSTOMER,
            idempotency_key=key,
            created_at=clock.now(),
            created_by=acting_user,
        )
        claim.amount_paid = to_money(claim.amount_paid + amount)
        _save(claim)
        _record(claim, Action.ADVANCE_PAYMENT, claim.status, acting_user, "", amount=amount)
        audit.record(acting_user, AuditLog.Action.UPDATE, claim, summary=f"advance {amount}")
        return payment


# ---- the customer's rating, flags -----------------------------------------------------------


def rate(claim: Claim, score: Any, comment: str = "", *, acting_user) -> Claim:
    if not is_own_customer(acting_user, claim):
        raise PermissionDenied("只有报案客户可以评价 / only the customer may rate the claim")
    if claim.status not in (S.PAID, S.FOLLOWED_UP, S.CLOSED):
        raise DomainError(
            "rate_too_early",
            "赔款支付后可评价 / you can rate once the claim is paid",
            "satisfaction",
        )
    with transaction.atomic():
        claim = _locked(claim)
        claim.satisfaction = _score(score)
        claim.customer_comment = (comment or "")[:255]
        claim.save(update_fields=["satisfaction", "customer_comment", "updated_at"])
        _record(
            claim,
            Action.RATE,
            claim.status,
            acting_user,
            claim.customer_comment,
            score=claim.satisfaction,
        )
        if claim.repair_shop_id:
            from .network import record_shop_rating

            record_shop_rating(claim.repair_shop_id, claim.satisfaction)
    return claim


def review_flag(flag: ClaimFlag, *, acting_user, confirmed: bool, note: str) -> ClaimFlag:
    """A person decides on a flag; a confirmed flag sends the claim to a normal review but
    never rejects it by itself."""
    if not has_perm(acting_user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("无权复核 / you may not review flags")
    note = (note or "").strip()
    if len(note) < 2:
        raise DomainError("reason_required", "请填写复核意见 / write a review note", "note")
    with transaction.atomic():
        claim = _locked(flag.claim)
        flag = ClaimFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != FlagStatus.OPEN:
            raise DomainError("flag_closed", "该提示已复核 / already reviewed", "flag", status=409)
        flag.status = FlagStatus.CONFIRMED if confirmed else FlagStatus.CLEARED
        flag.reviewer = acting_user
        flag.reviewed_at = clock.now()
        flag.note = note[:255]
        flag.save()
        if confirmed and claim.fast_track:
            claim.fast_track = False
            claim.save(update_fields=["fast_track", "updated_at"])
        _record(
            claim,
            Action.CLEAR_FLAG,
            claim.status,
            acting_user,
            note,
            code=flag.code,
            confirmed=confirmed,
        )
    return flag
