"""Paying a proposal: start a payment at the gateway, receive its signed notification and
issue the policies once (见费出单).

Exactly once, in one readable function (``record_payment``): the order row is locked, a paid
order is a no-op, the proposal row is locked and only a ``paid`` proposal issues; behind the
locks, ``Policy.renews`` (one-to-one) and the deterministic policy numbers make a second
issue impossible even if the locks were bypassed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse

from carecircle.core import clock, locks
from carecircle.core.errors import DomainError

from ..models_proposals import PaymentOrder, PaymentStatus, Proposal, ProposalStatus
from ..proposals import check_payable, issue
from . import signing
from .base import Notification, gateway


def start_payment(proposal: Proposal) -> PaymentOrder:
    """The order the customer pays; pressing pay again reuses the open order."""
    now = clock.now()
    with transaction.atomic():
        proposal = locks.lock(Proposal, pk=proposal.pk)
        check_payable(proposal, now)
        adapter = gateway()
        open_order = proposal.payments.filter(
            status=PaymentStatus.CREATED, gateway=adapter.name, amount=proposal.total_due
        ).first()
        if open_order is not None:
            return open_order
        reference = f"PAY{proposal.pk:08d}{secrets.token_hex(4).upper()}"
        request = adapter.create_order(
            reference=reference,
            amount=proposal.total_due,
            description=f"投保单 {proposal.proposal_no} / proposal {proposal.proposal_no}",
            expires_at=proposal.expires_at,
            return_url=reverse("policies:proposal_done", args=[proposal.pay_token]),
        )
        return PaymentOrder.objects.create(
            proposal=proposal,
            gateway=adapter.name,
            reference=reference,
            amount=proposal.total_due,
            pay_url=request.pay_url,
            created_at=now,
        )


@dataclass(frozen=True)
class Received:
    outcome: str  # issued | duplicate | refund_due | not_paid | issue_failed
    order: PaymentOrder


def receive(gateway_name: str, body: bytes, headers: Mapping[str, str]) -> Received:
    """A notification posted by the gateway: verified (``signing.InvalidSignature`` when
    not authentic or not current, ``LookupError`` for another gateway), then recorded."""
    notification = gateway(gateway_name).verify(body, headers)
    return record_payment(gateway_name, notification)


def record_payment(gateway_name: str, notification: Notification) -> Received:
    now = clock.now()
    with transaction.atomic():
        try:
            order = locks.lock(PaymentOrder, reference=notification.reference, gateway=gateway_name)
        except PaymentOrder.DoesNotExist:
            raise DomainError(
                "unknown_order", "未知支付订单 / unknown payment order", status=404
            ) from None
        if order.status != PaymentStatus.CREATED:
            return Received("duplicate", order)  # delivered twice: already recorded
        if not notification.paid:
            return Received("not_paid", order)
        if notification.amount != order.amount:
            raise DomainError(
                "amount_mismatch",
                f"支付金额 {notification.amount} 与订单 {order.amount} 不符 / paid amount "
                "differs from the order",
                status=400,
            )
        proposal = locks.lock(Proposal, pk=order.proposal_id)
        order.gateway_txn = notification.gateway_txn[:64]
        order.paid_at = notification.paid_at or now
        if proposal.status != ProposalStatus.AWAITING_PAYMENT:
            # Expired, cancelled or paid by another order meanwhile: the money goes back.
            order.status = PaymentStatus.REFUND_DUE
            order.save(update_fields=["status", "gateway_txn", "paid_at"])
            return Received("refund_due", order)
        order.status = PaymentStatus.PAID
        order.save(update_fields=["status", "gateway_txn", "paid_at"])
        proposal.status = ProposalStatus.PAID
        proposal.paid_at = order.paid_at
        proposal.save(update_fields=["status", "paid_at", "updated_at"])
        try:
            with transaction.atomic():
                issue(proposal, now)
        except (DomainError, IntegrityError) as failed:
            # Paid but not issuable (the old policy was renewed elsewhere meanwhile): kept
            # paid with the reason, for a person to refund or issue by hand.
            message = getattr(failed, "message", "") or "conflict with an existing policy"
            Proposal.objects.filter(pk=proposal.pk).update(issue_error=message[:255])
            return Received("issue_failed", order)
        return Received("issued", order)


__all__ = ["Received", "receive", "record_payment", "signing", "start_payment"]
