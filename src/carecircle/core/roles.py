"""Roles and permissions as enums; row-level access lives in each model's ``restrict``."""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("经理 / Manager")
    SEAT = "seat", _("电销坐席 / Telesales seat")
    SALES_AGENT = "sales_agent", _("销售代理人 / Sales agent")
    CLAIMS_HANDLER = "claims_handler", _("理赔员 / Claims handler")
    CLAIMS_APPROVER = "claims_approver", _("核赔人 / Claims approver")
    UNDERWRITER = "underwriter", _("核保人 / Underwriter")
    SERVICE_MANAGER = "service_manager", _("服务经理 / Service manager")
    PARTNER_USER = "partner_user", _("合作伙伴用户 / Partner user")
    MERCHANT_USER = "merchant_user", _("商户用户 / Merchant user")
    CUSTOMER = "customer", _("客户 / Customer")


class Perm(enum.StrEnum):
    SEE_ALL_CUSTOMERS = "see_all_customers"
    REVEAL_PII = "reveal_pii"
    EDIT_CUSTOMERS = "edit_customers"
    EDIT_POLICIES = "edit_policies"
    IMPORT_DATA = "import_data"
    VIEW_AUDIT = "view_audit"
    # Value engine decisions a person makes (tier reviews; grey/black list entries).
    DECIDE_TIERS = "decide_tiers"
    DECIDE_LISTS = "decide_lists"
    # Renewals and the call centre (#4): seats and agents work tasks; supervisors see every
    # seat's figures and reassign.  Team leaders also supervise their own team (Team.leader).
    WORK_RENEWALS = "work_renewals"
    SUPERVISE_RENEWALS = "supervise_renewals"
    # Claims (#5): handlers move a claim through the workflow; approvers approve within their
    # authority limit.
    HANDLE_CLAIMS = "handle_claims"
    APPROVE_CLAIMS = "approve_claims"
    # Merchant alliance (#6): the service manager runs catalogue, packages and settlement;
    # merchant users redeem vouchers of their own merchant only.
    MANAGE_ALLIANCE = "manage_alliance"
    ISSUE_VOUCHERS = "issue_vouchers"
    REDEEM_VOUCHERS = "redeem_vouchers"
    # Ecosystem (#7): partner agreements and scorecards, complaints, messages, the cockpit.
    MANAGE_PARTNERS = "manage_partners"
    HANDLE_COMPLAINTS = "handle_complaints"
    SEND_MESSAGES = "send_messages"
    VIEW_COCKPIT = "view_cockpit"
    # Underwriting (#16): the referral queue (核保) — a black-listed customer's commercial
    # renewal is accepted with conditions or declined with a written reason.
    UNDERWRITE = "underwrite"


# Who may do what. Partner, merchant and customer users never see others' full personal data.
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.MANAGER: frozenset(Perm),
    Role.SERVICE_MANAGER: frozenset(
        {
            Perm.SEE_ALL_CUSTOMERS,
            Perm.REVEAL_PII,
            Perm.EDIT_CUSTOMERS,
            Perm.DECIDE_TIERS,
            Perm.DECIDE_LISTS,
            Perm.MANAGE_ALLIANCE,
            Perm.ISSUE_VOUCHERS,
            Perm.MANAGE_PARTNERS,
            Perm.HANDLE_COMPLAINTS,
            Perm.SEND_MESSAGES,
            Perm.VIEW_COCKPIT,
        }
    ),
    Role.CLAIMS_HANDLER: frozenset({Perm.SEE_ALL_CUSTOMERS, Perm.REVEAL_PII, Perm.HANDLE_CLAIMS}),
    Role.CLAIMS_APPROVER: frozenset(
        {Perm.SEE_ALL_CUSTOMERS, Perm.REVEAL_PII, Perm.HANDLE_CLAIMS, Perm.APPROVE_CLAIMS}
    ),
    # The underwriter reads the customer's book (claims, policies) in their unit's subtree to
    # decide a referral; no full personal data, no claims or renewal work.
    Role.UNDERWRITER: frozenset({Perm.SEE_ALL_CUSTOMERS, Perm.UNDERWRITE}),
    Role.SEAT: frozenset(
        {Perm.REVEAL_PII, Perm.EDIT_CUSTOMERS, Perm.WORK_RENEWALS, Perm.ISSUE_VOUCHERS}
    ),
    Role.SALES_AGENT: frozenset(
        {
            Perm.REVEAL_PII,
            Perm.EDIT_CUSTOMERS,
            Perm.EDIT_POLICIES,
            Perm.WORK_RENEWALS,
            Perm.ISSUE_VOUCHERS,
        }
    ),
    Role.PARTNER_USER: frozenset(),
    Role.MERCHANT_USER: frozenset({Perm.REDEEM_VOUCHERS}),
    Role.CUSTOMER: frozenset(),
}

STAFF_ROLES = frozenset(
    {
        Role.MANAGER,
        Role.SEAT,
        Role.SALES_AGENT,
        Role.CLAIMS_HANDLER,
        Role.CLAIMS_APPROVER,
        Role.SERVICE_MANAGER,
        Role.UNDERWRITER,
    }
)


def has_perm(user, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMS.get(user.role, frozenset())
