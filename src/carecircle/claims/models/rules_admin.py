"""Rules an administrator edits in the Django admin: approval authority and the fast track."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import MoneyField
from carecircle.core.roles import Role

from .. import rulecache


class ClearsRuleCache(models.Model):
    """Saving or deleting a rule clears the per-process rule cache (claims/rulecache.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        rulecache.clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        rulecache.clear()
        return result


class ApprovalAuthority(ClearsRuleCache):
    """How much a role may approve alone; above it the claim escalates to the next level."""

    role = models.CharField(_("角色 / role"), max_length=32, choices=Role.choices, unique=True)
    limit = MoneyField(
        _("权限金额 / authority limit"),
        null=True,
        blank=True,
        help_text=_("空 = 不限 / empty = no limit"),
    )
    level = models.PositiveSmallIntegerField(
        _("层级 / level"), help_text=_("上报顺序，小者先 / escalation order, lowest first")
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("核赔权限 / approval authority")
        verbose_name_plural = _("核赔权限 / approval authorities")

    def __str__(self) -> str:
        return f"{self.get_role_display()} ≤ {self.limit or '∞'}"


def _all_tiers() -> list[str]:
    return ["diamond", "platinum", "gold", "silver", "standard"]


class FastTrackRule(ClearsRuleCache):
    """快赔规则: the newest active row applies."""

    name = models.CharField(_("名称 / name"), max_length=64)
    active = models.BooleanField(_("启用 / active"), default=True)
    max_amount = MoneyField(_("金额上限 / amount limit"), default=Decimal("5000.00"))
    allowed_tiers = models.JSONField(
        _("允许的客户等级 / tiers allowed"),
        default=_all_tiers,
        help_text=_('例如 ["diamond","gold"] / e.g. ["diamond","gold"]'),
    )
    tier_max_amounts = models.JSONField(
        _("等级加宽上限 / wider limit per tier"),
        default=dict,
        blank=True,
        help_text=_('例如 {"diamond": "10000"} / e.g. {"diamond": "10000"}'),
    )
    require_clear_liability = models.BooleanField(_("须责任明确 / liability clear"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("快赔规则 / fast-track rule")
        verbose_name_plural = _("快赔规则 / fast-track rules")

    def __str__(self) -> str:
        return f"{self.name} ≤ {self.max_amount}"
