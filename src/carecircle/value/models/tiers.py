"""Tiers, the history of tier decisions, and the reviews a person decides.

A tier is decided by the batch run from lifetime value and rules (see ``value.engine.tiers``);
where the humane rules stop an automatic change, a ``TierReview`` asks a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach


class Tier(models.TextChoices):
    # Stored as a rank so "one step" is arithmetic: 4 is the top tier.
    DIAMOND = "diamond", _("钻石 / Diamond")
    PLATINUM = "platinum", _("铂金 / Platinum")
    GOLD = "gold", _("黄金 / Gold")
    SILVER = "silver", _("白银 / Silver")
    STANDARD = "standard", _("普通 / Standard")

    @classmethod
    def rank(cls, value: str) -> int:
        return TIER_RANKS[value]

    @classmethod
    def of_rank(cls, rank: int) -> Tier:
        return TIERS_BY_RANK[rank]


TIERS_BY_RANK = {
    4: Tier.DIAMOND,
    3: Tier.PLATINUM,
    2: Tier.GOLD,
    1: Tier.SILVER,
    0: Tier.STANDARD,
}
TIER_RANKS = {str(t.value): r for r, t in TIERS_BY_RANK.items()}


class TierHistoryQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")


class TierHistory(models.Model):
    """One row each time a customer's decided tier changes (and at first assignment)."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="tier_history"
    )
    run = models.ForeignKey(
        "value.ValueRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField(_("生效日 / as of"))
    tier = models.CharField(_("等级 / tier"), max_length=12, choices=Tier.choices)
    previous_tier = models.CharField(
        _("原等级 / previous tier"), max_length=12, choices=Tier.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空 = 规则自动 / empty = decided by the rules"),
    )
    reasons = models.CharField(_("原因代码 / reason codes"), max_length=255, blank=True)

    objects = TierHistoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("等级历史 / tier history")
        verbose_name_plural = _("等级历史 / tier history")
        ordering = ["customer", "-as_of", "-id"]
        indexes = [models.Index(fields=["customer", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.previous_tier or '-'}→{self.tier} @{self.as_of}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核 / Pending")
    APPROVED = "approved", _("已批准变更 / Change approved")
    KEPT = "kept", _("维持原等级 / Tier kept")


class TierReviewQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")


class TierReview(models.Model):
    """A tier change the rules would make but the humane rules hold back for a person."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="tier_reviews"
    )
    run = models.ForeignKey(
        "value.ValueRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    current_tier = models.CharField(_("现等级 / current tier"), max_length=12, choices=Tier.choices)
    proposed_tier = models.CharField(
        _("规则建议等级 / proposed by the rules"), max_length=12, choices=Tier.choices
    )
    reason = models.CharField(_("原因代码 / reason code"), max_length=40)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("审核意见 / note"), blank=True)

    objects = TierReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("等级复核 / tier review")
        verbose_name_plural = _("等级复核 / tier reviews")
        ordering = ["-created_at"]
        constraints = [
            # One open review per customer: a nightly run must not pile up duplicates.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="pending"),
                name="value_one_pending_review_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"review {self.customer_id} {self.current_tier}→{self.proposed_tier} ({self.status})"
