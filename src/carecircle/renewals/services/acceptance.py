"""The customer says yes: the seat records "accepted", a proposal (投保单) is made from the
quote and the payment link goes to the customer; the renewal closes when the payment issues
the policies (见费出单) and goes back to the seat's queue when the offer lapses unpaid.
docs/payments.md."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.notify import conf as notify_conf
from carecircle.notify.kinds import register
from carecircle.notify.models import Message
from carecircle.notify.services import send
from carecircle.policies.choices import Channel, PolicyKind
from carecircle.policies.models import Policy, Proposal, ProposalStatus
from carecircle.policies.proposals import QuotedPolicy, cancel_proposal, create_proposal

from ..choices import Stage, Status
from ..models import Quote, RenewalTask

PAYMENT_LINK = "payment_link"
register(
    PAYMENT_LINK,
    "续保付款 / Pay for your renewal",
    "尊敬的{name}，您的车辆{plate}续保投保单{proposal_no}应付{amount}元（含代收车船税{tax}元），"
    "请在{expires}前付款，付款后即出单：{link} / Your renewal {proposal_no} for {plate}: "
    "¥{amount} due (vehicle tax ¥{tax} included) by {expires}; the policy is issued once "
    "you pay: {link}",
)


def policy_channel(user) -> str:
    """The channel a renewal sold by this user is written in (agents and 4S staff keep
    their channel's renewals)."""
    return {
        Role.SALES_AGENT: Channel.AGENT,
        Role.PARTNER_USER: Channel.FOUR_S_SHOP,
    }.get(user.role, Channel.TELESALES)


def quoted_policies(task: RenewalTask, quote: Quote) -> list[QuotedPolicy]:
    """The policies the quote offers: 商业险 unless the quote is 交强险 only, and 交强险 with
    its vehicle tax when the vehicle has one expiring."""
    lead, companion = task.policy, task.companion
    compulsory = companion if lead.kind == PolicyKind.COMMERCIAL else lead
    quoted = []
    if lead.kind == PolicyKind.COMMERCIAL and not quote.compulsory_only:
        quoted.append(
            QuotedPolicy(
                renews=lead,
                premium=quote.commercial_premium,
                ncd_level=quote.ncd_level,
                ncd_coefficient=quote.ncd_coefficient,
                pricing_coefficient=quote.pricing_coefficient,
                traffic_violation_coefficient=quote.traffic_violation_coefficient,
            )
        )
    # a 交强险 already renewed (bought alone earlier) is not offered again with the 商业险
    renewed = compulsory is not None and Policy.objects.filter(renews=compulsory).exists()
    if compulsory is not None and quote.compulsory_premium is not None and not renewed:
        quoted.append(
            QuotedPolicy(
                renews=compulsory,
                premium=quote.compulsory_premium,
                vehicle_tax=quote.vehicle_tax,
                traffic_violation_coefficient=quote.traffic_violation_coefficient,
            )
        )
    return quoted


def accept(task: RenewalTask, user, key: str) -> Proposal:
    """Inside ``record_outcome``'s transaction, the task locked: the latest quote becomes a
    proposal and the link is sent after commit."""
    quote = task.quotes.order_by("-at", "-pk").first()
    if quote is None:
        raise DomainError("no_quote", "请先生成报价 / make a quote first", status=409)
    proposal = create_proposal(
        acting_user=user,
        quoted=quoted_policies(task, quote),
        channel=policy_channel(user),
        idempotency_key=f"renewal:{key}",
    )
    quote.accepted = True
    quote.save(update_fields=["accepted"])
    task.proposal = proposal
    transaction.on_commit(lambda: send_payment_link(proposal, user, f"payment_link:{key}"))
    return proposal


def pay_link(proposal: Proposal) -> str:
    base = notify_conf.get("PUBLIC_BASE_URL").rstrip("/")
    return base + reverse("policies:proposal", args=[proposal.pay_token])


def send_payment_link(proposal: Proposal, user, dedupe_key: str) -> Message:
    """A service notice (no marketing consent needed): the amount, the deadline, the link."""
    return send(
        proposal.customer,
        PAYMENT_LINK,
        purpose="service",
        context={
            "plate": proposal.vehicle.plate,
            "proposal_no": proposal.proposal_no,
            "amount": f"{proposal.total_due:,.2f}",
            "tax": f"{proposal.vehicle_tax:,.2f}",
            "expires": f"{timezone.localtime(proposal.expires_at):%Y-%m-%d %H:%M}",
            "link": pay_link(proposal),
        },
        dedupe_key=dedupe_key,
        acting_user=user,
    )


def _open_proposal(task: RenewalTask) -> Proposal:
    proposal = task.proposal
    if proposal is None or proposal.status != ProposalStatus.AWAITING_PAYMENT:
        raise DomainError(
            "no_open_proposal", "没有待支付的投保单 / no proposal awaiting payment", status=409
        )
    return proposal


def resend_link(task: RenewalTask, user) -> Message:
    """The customer lost the message: the same link again (a new message, logged)."""
    proposal = _open_proposal(task)
    message = send_payment_link(proposal, user, f"payment_link:resend:{uuid.uuid4().hex}")
    audit.record(user, AuditLog.Action.UPDATE, task, summary="payment link sent again")
    return message


def withdraw(task: RenewalTask, user, reason: str = "") -> Proposal:
    """The seat cancels the unpaid offer (a wrong quote, the customer changed their mind):
    the link stops working and the renewal is open again, quoted."""
    with transaction.atomic():
        task = locks.lock(RenewalTask.objects.select_related("proposal"), pk=task.pk)
        proposal = cancel_proposal(_open_proposal(task), acting_user=user, reason=reason)
        task.status = Status.QUOTED
        task.save(update_fields=["status", "updated_at"])
    return proposal


# Hand-offs (carecircle.flows): the policies app announces, the renewal reacts.


def on_proposal_issued(proposal_id: int) -> None:
    """Paid and issued: the renewal closes as renewed by the proposal's seat, its successor
    the new policy renewing the lead policy (or the 交强险 when only that was renewed).
    Idempotent; the pipeline's successor sweep catches anything this misses."""
    now = clock.now()
    with transaction.atomic():
        task = (
            RenewalTask.objects.filter(proposal_id=proposal_id).select_related("proposal").first()
        )
        if task is None:
            return
        task = locks.lock(RenewalTask.objects.select_related("proposal"), pk=task.pk)
        issued = {
            p.renews_id: p for p in Policy.objects.filter(proposal_line__proposal_id=proposal_id)
        }
        if task.successor_id or not issued:
            return
        if task.policy_id not in issued and task.policy.kind == PolicyKind.COMMERCIAL:
            # 交强险 renewed alone: the 商业险 is still to win (or to lose with a reason), so
            # the renewal stays open, back in the seat's queue, and is not counted renewed.
            task.status = Status.QUOTED
            task.due_at = now
            task.locked_by = None
            task.save(update_fields=["status", "due_at", "locked_by"])
            return
        task.successor = issued.get(task.policy_id) or next(iter(issued.values()))
        task.renewed_channel = task.proposal.channel if task.proposal else Channel.TELESALES
        task.renewed_by_id = task.proposal.agent_id if task.proposal else None
        task.status = Status.RENEWED
        task.stage = Stage.DONE
        task.closed_at = now
        task.locked_by = None
        task.save()


def on_proposal_expired(proposal_id: int) -> None:
    """Unpaid at the offer's end: the renewal goes back to the top of its seat's queue,
    quoted, to call the customer again (it expires with the old policy like any other)."""
    RenewalTask.objects.open().filter(
        proposal_id=proposal_id, status=Status.AWAITING_PAYMENT
    ).update(status=Status.QUOTED, due_at=clock.now())
