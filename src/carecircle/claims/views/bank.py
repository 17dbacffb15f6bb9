"""Payees and the bank, for claims staff (ADR 0016): the claim page's payment section (payees
and their accounts, payments on their way, a returned payment to reissue), and the bank page
(paid / in flight / returned, the batch file, the return file). Thin: parse, one service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecircle.core import audit
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm

from .. import bank_conf, selectors
from ..choices import Payee, PaymentStatus
from ..models import BankAccount, BankReturnImport, Claim, ClaimPayment, PaymentBatch
from ..services import bank, payees
from ..services import payment as payments

P = PaymentStatus
MAX_RETURN_FILE = 5 * 1024 * 1024


def _staff(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.HANDLE_CLAIMS):
        raise PermissionDenied("理赔人员使用 / for claims staff")


def _claim(request: HttpRequest, claim_id: int) -> Claim:
    return get_object_or_404(selectors.claims_for(request.user), pk=claim_id)


def _payment(request: HttpRequest, payment_id: int) -> ClaimPayment:
    return get_object_or_404(
        ClaimPayment.objects.restrict(request.user).select_related("claim", "account"),
        pk=payment_id,
    )


def _account(request: HttpRequest, account_id: Any, claim: Claim) -> BankAccount:
    """An account in use of one of ``claim``'s payees (never any account in reach)."""
    if not str(account_id or "").isdigit():
        raise DomainError("account", "请选择收款账户 / choose an account", "account")
    mine = payments.payees_for_claim(claim, request.user).values("pk")
    return get_object_or_404(
        BankAccount.objects.filter(payee__in=mine).select_related("payee"),
        pk=int(account_id),
        active=True,
    )


def payment_section(claim: Claim, user: Any) -> dict[str, Any]:
    """What the claim page shows about paying: payees with their accounts, the payments with
    their bank status, and which of them this user may approve or reissue."""
    approver = has_perm(user, Perm.APPROVE_CLAIMS)
    accounts = BankAccount.objects.filter(active=True).order_by("-created_at")
    found = list(
        payments.payees_for_claim(claim, user).prefetch_related(
            Prefetch("accounts", queryset=accounts, to_attr="live_accounts")
        )
    )
    rows = list(
        claim.payments.select_related("account", "account__payee", "batch", "reissue_of").order_by(
            "created_at", "pk"
        )
    )
    reissued = {p.reissue_of_id for p in rows if p.reissue_of_id}
    return {
        "payees": found,
        "payee_kinds": Payee.choices,
        "payment_rows": [
            {
                "p": p,
                "can_approve": approver and p.status == P.CREATED and p.created_by_id != user.pk,
                "can_reissue": p.status == P.RETURNED and p.pk not in reissued,
                "needs_account": p.account_id is None and p.status in (P.CREATED, P.APPROVED),
            }
            for p in rows
        ],
        "pay_accounts": [a for payee in found for a in payee.live_accounts],
        "figures": bank.figures(claim.payments.all()),
        # the round's settlement exists (in flight, paid or returned): no second pay form
        "settled_round": any(
            p.kind == "final" and p.round == claim.reopen_count and not p.reissue_of_id
            for p in rows
        ),
        "unverified_rule": bank_conf.get("UNVERIFIED_ACCOUNTS"),
    }


def _back(claim_id: int) -> HttpResponse:
    return redirect("claims:detail", claim_id=claim_id)


def _refused(request: HttpRequest, claim: Claim, exc: Exception) -> HttpResponse:
    from .staff import _detail_context

    ctx = _detail_context(request, claim, error=getattr(exc, "message", str(exc)))
    status = 403 if isinstance(exc, PermissionDenied) else 400
    return render(request, "claims/detail.html", ctx, status=status)


@require_POST
@login_required
def add_payee(request: HttpRequest, claim_id: int) -> HttpResponse:
    """A payee (found or new) and a new account for it."""
    _staff(request)
    claim = _claim(request, claim_id)
    f = request.POST
    try:
        payee = payees.payee_for(
            claim,
            f.get("kind", ""),
            acting_user=request.user,
            name=f.get("name", ""),
            id_number=f.get("id_number", ""),
        )
        payees.add_account(
            payee,
            number=f.get("number", ""),
            holder_name=f.get("holder_name", "") or payee.name,
            bank_name=f.get("bank_name", ""),
            bank_code=f.get("bank_code", ""),
            branch_code=f.get("branch_code", ""),
            acting_user=request.user,
            claim=claim,
        )
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, claim, exc)
    return _back(claim.pk)


@require_POST
@login_required
def verify_account(request: HttpRequest, claim_id: int, account_id: int) -> HttpResponse:
    """send (a confirmation amount) | confirm (the amount the payee read back) | callback."""
    _staff(request)
    claim = _claim(request, claim_id)
    try:
        account = _account(request, account_id, claim)
        how = request.POST.get("how", "")
        if how == "send":
            payees.send_confirmation_amount(account, acting_user=request.user, claim=claim)
        elif how == "confirm":
            payees.confirm_amount(
                account, request.POST.get("amount"), acting_user=request.user, claim=claim
            )
        elif how == "callback":
            payees.record_callback(
                account, acting_user=request.user, note=request.POST.get("note", ""), claim=claim
            )
        else:
            raise DomainError("how", "未知的核验方式 / unknown verification", "how")
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, claim, exc)
    return _back(claim.pk)


@require_POST
@login_required
def pay_to_account(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The settlement to one of the payees' accounts (exactly once, the page's key)."""
    _staff(request)
    claim = _claim(request, claim_id)
    try:
        account = _account(request, request.POST.get("account"), claim)
        payments.pay(
            claim,
            acting_user=request.user,
            idempotency_key=request.POST.get("key"),
            account=account,
        )
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, claim, exc)
    return _back(claim.pk)


@require_POST
@login_required
def approve_payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    _staff(request)
    p = _payment(request, payment_id)
    try:
        payments.approve_payment(p, acting_user=request.user)
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, p.claim, exc)
    return _back(p.claim_id)


@require_POST
@login_required
def attach_account(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Name the account of a payment made without one (the API, the sweep, the fast track)."""
    _staff(request)
    p = _payment(request, payment_id)
    try:
        account = _account(request, request.POST.get("account"), p.claim)
        payments.attach_account(p, account, acting_user=request.user)
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, p.claim, exc)
    return _back(p.claim_id)


@require_POST
@login_required
def reissue_payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Reissue a returned payment to a chosen account, or to a new one given here."""
    _staff(request)
    p = _payment(request, payment_id)
    f = request.POST
    try:
        if f.get("number"):
            payee = p.account.payee if p.account else None
            if payee is None:
                payee = payees.payee_for(p.claim, p.payee, acting_user=request.user)
            account = payees.add_account(
                payee,
                number=f.get("number", ""),
                holder_name=f.get("holder_name", "") or payee.name,
                bank_name=f.get("bank_name", ""),
                bank_code=f.get("bank_code", ""),
                branch_code=f.get("branch_code", ""),
                acting_user=request.user,
                claim=p.claim,
            )
        else:
            account = _account(request, f.get("account"), p.claim)
        payments.reissue(p, account=account, acting_user=request.user, reason=f.get("reason", ""))
    except (DomainError, PermissionDenied) as exc:
        return _refused(request, p.claim, exc)
    return _back(p.claim_id)


# ---- the bank page ----------------------------------------------------------------------------


def _bank_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    mine = bank.payments_in_reach(request.user)
    return {
        "figures": bank.figures(mine),
        "ready": list(
            bank.ready_to_send(request.user).select_related("claim", "account").order_by("pk")[:200]
        ),
        "waiting_approval": list(
            mine.filter(status=P.CREATED).select_related("claim", "account").order_by("pk")[:200]
        ),
        "returned": list(
            mine.filter(status=P.RETURNED, reissue__isnull=True)
            .select_related("claim", "account")
            .order_by("-returned_at")[:200]
        ),
        "sent": list(
            mine.filter(status=P.SENT)
            .select_related("claim", "account", "batch")
            .order_by("pk")[:200]
        ),
        "batches": list(PaymentBatch.objects.restrict(request.user)[:20]),
        "imports": list(BankReturnImport.objects.restrict(request.user)[:20]),
        "banks": sorted(bank_conf.get("BANKS")),
        "default_bank": bank_conf.get("DEFAULT_BANK"),
        **extra,
    }


@require_GET
@login_required
def bank_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "claims/bank.html", _bank_context(request))


@require_POST
@login_required
def make_batch(request: HttpRequest) -> HttpResponse:
    _staff(request)
    try:
        batch = bank.export_batch(acting_user=request.user, bank_code=request.POST.get("bank"))
    except DomainError as exc:
        return render(
            request, "claims/bank.html", _bank_context(request, error=exc.message), status=400
        )
    return redirect(f"{reverse('claims:bank')}?batch={batch.pk}")


@require_GET
@login_required
def batch_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    _staff(request)
    batch = get_object_or_404(PaymentBatch.objects.restrict(request.user), pk=batch_id)
    content = batch.file_bytes()
    # The file holds full account numbers: every download is on the audit trail.
    audit.record(request.user, AuditLog.Action.REVEAL_PII, batch,
                 summary=f"bank batch {batch.file_name} downloaded ({batch.count} accounts)")  # fmt: skip
    response = HttpResponse(content, content_type=f"text/csv; charset={batch.encoding}")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    return response


@require_POST
@login_required
def upload_returns(request: HttpRequest) -> HttpResponse:
    _staff(request)
    upload = request.FILES.get("file")
    if upload is None or (upload.size or 0) > MAX_RETURN_FILE:
        ctx = _bank_context(request, error="请选择回盘文件(≤5MB) / choose a return file (≤ 5 MB)")
        return render(request, "claims/bank.html", ctx, status=400)
    try:
        result = bank.import_returns(
            upload.read(),
            file_name=upload.name or "return.csv",
            acting_user=request.user,
            bank_code=request.POST.get("bank"),
        )
    except DomainError as exc:
        return render(
            request, "claims/bank.html", _bank_context(request, error=exc.message), status=400
        )
    ctx = _bank_context(request, imported=result.record, already=result.already)
    return render(request, "claims/bank.html", ctx)
