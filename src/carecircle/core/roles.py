"""Roles and permissions as enums; row-level access lives in each model's ``for_user``."""

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
        }
    ),
    Role.CLAIMS_HANDLER: frozenset({Perm.SEE_ALL_CUSTOMERS, Perm.REVEAL_PII}),
    Role.CLAIMS_APPROVER: frozenset({Perm.SEE_ALL_CUSTOMERS, Perm.REVEAL_PII}),
    Role.SEAT: frozenset({Perm.REVEAL_PII, Perm.EDIT_CUSTOMERS}),
    Role.SALES_AGENT: frozenset({Perm.REVEAL_PII, Perm.EDIT_CUSTOMERS, Perm.EDIT_POLICIES}),
    Role.PARTNER_USER: frozenset(),
    Role.MERCHANT_USER: frozenset(),
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
    }
)


def has_perm(user, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMS.get(user.role, frozenset())
