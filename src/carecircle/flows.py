"""On-commit hand-offs between domains: the one table of who acts when something happens in
another app, and who answers a question a lower app cannot answer itself (core.handoff).

Read top to bottom, this is every place one domain sets off work in another.
"""

from __future__ import annotations

import datetime as dt

from carecircle.alliance.tasks import issue_after_value_run_task, issue_for_policy_task
from carecircle.claims.selectors.cancellation import claims_stopping_cancellation
from carecircle.claims.services.notices import record_dispatch
from carecircle.core.handoff import Event, Question
from carecircle.renewals.services.acceptance import on_proposal_expired, on_proposal_issued
from carecircle.renewals.services.underwriting import refer_open, withdraw_stale
from carecircle.value.public import current_tier


def _issue_entitlements_for_policy(policy_id: int) -> None:
    # A new policy's service entitlements (vouchers) are issued by the worker at once
    # instead of at the nightly run.
    issue_for_policy_task.enqueue(policy_id)


def _issue_entitlements_after_value_run(run_id: int) -> None:
    # Tier changes take effect for services at once: the worker issues what the new tiers
    # entitle (idempotent; the nightly alliance task would otherwise do it).
    issue_after_value_run_task.enqueue()


def _stop_legal_clock(message_id: int, dedupe_key: str, at: dt.datetime) -> None:
    # A legal notice (Art 22 documents, Art 24 rejection) actually went: the claim's clock
    # stops on that recorded dispatch, not on the request to send it.
    record_dispatch(message_id, dedupe_key, at)


ON_EVENT = {
    Event.POLICY_WRITTEN: [_issue_entitlements_for_policy],
    Event.VALUE_RUN_FINISHED: [_issue_entitlements_after_value_run],
    # 见费出单: a paid proposal issued → its renewal closes as renewed; an unpaid one lapsed
    # → its renewal goes back to the seat's queue.
    Event.PROPOSAL_ISSUED: [on_proposal_issued],
    Event.PROPOSAL_EXPIRED: [on_proposal_expired],
    Event.LEGAL_NOTICE_DISPATCHED: [_stop_legal_clock],
    # A list entry stopped acting (revoked, expired, appeal succeeded): the renewal's pending
    # underwriting referral for it is withdrawn at once; a black entry now in force refers the
    # customer's open commercial renewals at once (#16).
    Event.LIST_EFFECT_CHANGED: [withdraw_stale, refer_open],
}

ANSWERS = {
    Question.CUSTOMER_TIER: current_tier,
    # A policy cancelled on an ownership transfer (过户退保) waits for its open claims.
    Question.CLAIMS_STOPPING_CANCELLATION: claims_stopping_cancellation,
}
