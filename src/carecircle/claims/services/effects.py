"""What each workflow step does to the claim besides moving its status: one function per
action, taking the ``Change`` under way (the locked claim, who, why, the form's data, when).
An effect sets fields and returns data for the timeline; a guard refuses a step before
anything changes. ``workflow.EFFECTS`` maps each action to them, beside ``rules.STEPS``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, parse_money, to_money
from carecircle.parties import consent
from carecircle.parties.models import Partner
from carecircle.parties.models_consent import SharingUse

from ..choices import AcceptanceChannel, SurveyMode
from ..models import Claim
from ..selectors.network import check_capacity
from . import reserves  # the reserve ledger's one writer (issue #16)
from .adjustment import adjust_claim  # 理算 through 交强险 then 商业险 (issue #14)
from .inputs import score
from .permissions import is_own_customer


@dataclass(frozen=True)
class Change:
    """One step under way: the locked claim, who takes it, the written reason (checked), the
    form's or API's data, and the moment."""

    claim: Claim
    acting_user: Any
    reason: str
    data: dict[str, Any]
    now: dt.datetime


# ---- the handler's steps --------------------------------------------------------------------


def dispatch(change: Change) -> None:
    """派工: to the handler named, else to whoever dispatches (unless it has one)."""
    claim, data = change.claim, change.data
    if data.get("handler_id"):
        claim.handler_id = int(data["handler_id"])
    elif claim.handler_id is None:
        claim.handler = change.acting_user


def survey(change: Change) -> None:
    claim, data = change.claim, change.data
    mode = data.get("survey_mode", SurveyMode.ON_SITE)
    if mode not in SurveyMode.values:
        raise DomainError("survey_mode", "查勘方式不合法 / unknown survey mode", "survey_mode")
    claim.survey_mode = mode
    if "liability_clear" in data:
        claim.liability_clear = bool(data["liability_clear"])


def register(change: Change) -> dict[str, Any] | None:
    """立案: the case reserve opens with the handler's first estimate (``reserve``), unless the
    customer's estimate opened it at the report."""
    claim, raw = change.claim, change.data.get("reserve")
    if raw in (None, ""):
        return None
    amount = parse_money("reserve", raw)
    reserves.set_balance(
        claim, amount, by=change.acting_user, reason=change.reason or "立案估损 / registered",
        at=change.now,
    )  # fmt: skip
    return {"reserve": amount}


def assess(change: Change) -> dict[str, Any]:
    return assess_claim(change.claim, change.data, acting_user=change.acting_user)


def assess_claim(claim: Claim, data: dict[str, Any], *, acting_user: Any = None) -> dict[str, Any]:
    """定损: parts, labour and paint; the total is the assessed loss and the reserve."""
    parts = parse_money("parts", data.get("parts"), default=ZERO)
    labour = parse_money("labour", data.get("labour"), default=ZERO)
    paint = parse_money("paint", data.get("paint"), default=ZERO)
    total = to_money(parts + labour + paint)
    if total <= 0 and not claim.injury:
        raise DomainError("assessment_empty", "定损金额须大于0 / the assessed loss is 0", "parts")
    if data.get("repair_shop_id"):
        set_shop(claim, data["repair_shop_id"], acting_user=acting_user, data=data)
    claim.assessment = {"parts": str(parts), "labour": str(labour), "paint": str(paint)}
    claim.amount_assessed = total
    # The case reserve is the assessed loss not yet paid (a movement, issue #16).
    reserves.set_outstanding(claim, total, by=acting_user, reason="定损 / assessed")
    return {"amount_assessed": total}


def adjust(change: Change) -> dict[str, Any]:
    return adjust_claim(change.claim, change.data, acting_user=change.acting_user)


def follow_up(change: Change) -> None:
    claim = change.claim
    claim.followed_up_at = change.now
    if change.data.get("satisfaction"):
        claim.satisfaction = score(change.data["satisfaction"])


def close(change: Change) -> None:
    change.claim.closed_at = change.now
    _release(change, "结案 / closed")


def _release(change: Change, why: str) -> None:
    """Closing, withdrawing or rejecting releases every reserve the claim still holds."""
    reason = f"{why}: {change.reason}" if change.reason else why
    reserves.release_all(change.claim, by=change.acting_user, reason=reason, at=change.now)


def reopen(change: Change) -> None:
    """A new round: the decision, its notice and the customer's acceptance of the amount are
    undone; payments stay (the next pays only the difference). ``reopened_at`` lets the round
    send one new notice for the documents it needs (Art 22)."""
    claim = change.claim
    claim.reopen_count += 1
    claim.reopened_at = change.now
    claim.closed_at = None
    claim.approved_at = None
    claim.approved_by = None
    claim.rejected_at = None
    claim.rejection_reason = ""
    claim.rejection_notice_at = None
    claim.offer_accepted_at = None
    claim.offer_accepted_via = ""
    claim.escalated_to = ""
    # The reserve comes back: the amount the handler names, else what the close released.
    raw = change.data.get("reserve")
    reserves.reopen_reserves(
        claim, amount=None if raw in (None, "") else parse_money("reserve", raw),
        by=change.acting_user, reason=change.reason or "重开 / reopened", at=change.now,
    )  # fmt: skip


def withdraw(change: Change) -> None:
    change.claim.closed_at = change.now
    _release(change, "撤案 / withdrawn")


def reject(change: Change) -> None:
    claim = change.claim
    claim.rejected_at = change.now
    claim.rejection_reason = change.reason
    claim.closed_at = change.now
    _release(change, "拒赔 / rejected")


# ---- documents and notices ------------------------------------------------------------------


def requested_this_round(claim: Claim) -> bool:
    """Whether this round's one notice for missing documents was asked for already: ever,
    or since the claim was last reopened."""
    asked = claim.documents_requested_at
    return asked is not None and (claim.reopened_at is None or asked >= claim.reopened_at)


def documents_outstanding(claim: Claim) -> bool:
    """This round's request is out and the documents have not been marked complete since."""
    asked, done = claim.documents_requested_at, claim.documents_complete_at
    return requested_this_round(claim) and (done is None or done < asked)  # type: ignore[operator]


def documents_not_yet_requested(change: Change) -> None:
    """Missing documents are requested in one notice (Art 22): a second request is refused;
    a reopened claim may send one new notice for what the reopening needs."""
    claim = change.claim
    if requested_this_round(claim):
        raise DomainError(
            "one_notice",
            f"补充材料已于 {timezone.localtime(claim.documents_requested_at):%Y-%m-%d} "
            "一次性告知，不得再次要求 / missing documents must be requested in one notice "
            "(Art 22); it was sent already",
            "action",
            status=409,
        )


def request_documents(change: Change) -> None:
    """The one notice listing the documents (the reason). The clocks wait on the customer
    only from its recorded dispatch (``notices.record_dispatch`` sets ``waiting_since``)."""
    claim = change.claim
    claim.documents_requested_at = change.now
    claim.documents_requested = change.reason


def documents_complete(change: Change) -> None:
    """The wait on the customer ends: its calendar days are added to the pause (Art 23:
    the time spent supplying documents is not counted)."""
    claim, now = change.claim, change.now
    if claim.waiting_since is not None:
        claim.paused_days += max(
            (timezone.localdate(now) - timezone.localdate(claim.waiting_since)).days, 0
        )
        claim.waiting_since = None
    if claim.documents_complete_at is None or documents_outstanding(claim):
        claim.documents_complete_at = now


def rejection_notice_not_sent(change: Change) -> None:
    if change.claim.rejection_notice_at is not None:
        raise DomainError(
            "notice_sent", "拒赔通知书已发出 / the notice was sent already", "action", status=409
        )


def rejection_notice(change: Change) -> None:
    """Ticked by hand when the notice went another way (notify blocked it)."""
    change.claim.rejection_notice_at = change.now


def use_pay_advance(change: Change) -> None:
    """Advance payment moves money: it has its own function (``payment.pay_advance``)."""
    raise DomainError("use_advance", "请使用先予支付 / use pay_advance", "action")


# ---- the customer's steps -------------------------------------------------------------------


def refer(change: Change) -> dict[str, Any]:
    """送修: the customer or handler chooses a network shop (within its weekly capacity)."""
    shop = set_shop(
        change.claim, change.data.get("repair_shop_id"), acting_user=change.acting_user,
        data=change.data,
    )  # fmt: skip
    return {"shop": shop.name}


STAFF_CHANNELS = frozenset(AcceptanceChannel.values) - {AcceptanceChannel.PHONE_PAGE}


def _offer_open(claim: Claim) -> None:
    """The customer agrees an amount once per round, and only an amount there is."""
    if claim.offer_accepted_at is not None:
        raise DomainError(
            "offer_accepted", "客户已接受赔付方案 / the offer was accepted already", "action",
            status=409,
        )  # fmt: skip
    if not claim.amount_approved:
        raise DomainError("no_offer", "尚无赔付金额 / there is no amount to accept", "action")


def accept_offer(change: Change) -> dict[str, Any]:
    """Art 23: the 10-day payment clock starts when the customer agrees the amount. On the
    phone page the customer accepts it; a handler records an acceptance given another way
    (a recorded call, in writing, in person) and must say which."""
    claim = change.claim
    _offer_open(claim)
    via: str
    if is_own_customer(change.acting_user, claim):
        via = AcceptanceChannel.PHONE_PAGE
    else:
        via = str(change.data.get("via") or "")
        if via not in STAFF_CHANNELS:
            raise DomainError(
                "accepted_via",
                "请选择客户接受的方式（电话录音、书面、当面）/ say how the customer accepted: "
                "a recorded call, in writing or in person",
                "via",
            )
    claim.offer_accepted_at = change.now
    claim.offer_accepted_via = via
    return {"via": via, "amount": claim.amount_approved}


def set_shop(
    claim: Claim, shop_id: Any, *, acting_user: Any = None, data: dict[str, Any] | None = None
) -> Partner:
    """The claim goes to ``shop_id`` — and with it the customer's name, mobile number, vehicle
    and the claim (PIPL Art 23): only with the customer's consent naming that shop for repair,
    held already or given now (``share_consent`` in ``data``: ticked on the phone page; a
    handler names the ``consent_source``, a call recording or a paper form). A customer whose
    processing is restricted is sent to no shop."""
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
        check_capacity(shop, terms)
        data = data or {}
        consent.ensure_sharing(
            claim.policy.customer, shop, SharingUse.REPAIR, acting_user=acting_user,
            agreed=data.get("share_consent") in (True, "on", "1", "true"),
            source=data.get("consent_source"),
        )  # fmt: skip
    claim.repair_shop = shop
    return shop
