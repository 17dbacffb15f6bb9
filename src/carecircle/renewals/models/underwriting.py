"""The underwriting referral (核保转介, #16): a black-listed customer's commercial renewal is
not quoted by the seat until an underwriter accepts it with conditions, or declines it with a
written reason. 交强险 is never referred (it may not be refused). docs/underwriting.md."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.roles import Perm

from .tasks import RenewalTask


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("待核保 / Awaiting underwriting")
    ACCEPTED = "accepted", _("有条件承保 / Accepted with conditions")
    DECLINED = "declined", _("拒保(商业险) / Declined (commercial)")
    WITHDRAWN = "withdrawn", _("已撤回(名单失效) / Withdrawn (list entry no longer acts)")


class ReferralQuerySet(RestrictedQuerySet):
    # The seat sees the referral of their customer's renewal (the customer rule); underwriters
    # and renewal supervisors those of their unit's subtree (ADR 0014), by the renewal's unit.
    reach = {
        Action.VIEW: Reach(
            customer="customer",
            team="task__assignee__team",
            unit="unit",
            whole_book=(Perm.UNDERWRITE, Perm.SUPERVISE_RENEWALS, Perm.SEE_ALL_CUSTOMERS),
        ),
        Action.CHANGE: Reach(unit="unit", whole_book=(Perm.UNDERWRITE,), needs=Perm.UNDERWRITE),
    }

    def pending(self):
        return self.filter(status=ReferralStatus.PENDING)


class UnderwritingReferral(models.Model):
    """One renewal referred because of one list entry (``list_entry_id``: value's
    ``ListEntry``; a plain integer like ``parties.CustomerListFlag.entry_id``)."""

    task = models.ForeignKey(RenewalTask, on_delete=models.PROTECT, related_name="referrals")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    list_entry_id = models.PositiveIntegerField(_("名单记录 / list entry"))
    list_reasons = models.CharField(_("原因代码 / reason codes"), max_length=255, blank=True)
    list_reasons_text = models.TextField(_("名单原因 / list reasons"), blank=True)
    status = models.CharField(
        _("状态 / status"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PENDING,
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_at = models.DateTimeField(_("转介时间 / referred at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间 / decided at"), null=True, blank=True)
    # Accepted: the conditions the seat quotes within.
    min_pricing_coefficient = models.DecimalField(
        _("最低自主定价系数 / minimum pricing coefficient"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
    )
    excess_note = models.CharField(_("免赔约定 / excess"), max_length=255, blank=True)
    excluded_coverages = models.CharField(
        _("不承保险别 / coverages excluded"), max_length=255, blank=True
    )
    # Declined: the written reason the seat reads to the customer; withdrawn: why.
    reason = models.TextField(_("理由 / reason"), blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("核保转介 / underwriting referral")
        verbose_name_plural = _("核保转介 / underwriting referrals")
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "list_entry_id"], name="renewals_one_referral_per_task_entry"
            )
        ]
        indexes = [models.Index(fields=["status", "unit"])]

    def __str__(self) -> str:
        return f"referral {self.pk} task {self.task_id} entry {self.list_entry_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ReferralStatus.PENDING

    @property
    def floor(self) -> Decimal | None:
        return self.min_pricing_coefficient if self.status == ReferralStatus.ACCEPTED else None

    @property
    def conditions(self) -> str:
        """The acceptance's conditions in words (the seat's task page, the quote)."""
        parts = []
        if self.min_pricing_coefficient is not None:
            parts.append(
                f"自主定价系数不低于 {self.min_pricing_coefficient} / pricing coefficient at "
                f"least {self.min_pricing_coefficient}"
            )
        if self.excess_note:
            parts.append(f"免赔 / excess: {self.excess_note}")
        if self.excluded_coverages:
            parts.append(f"不承保 / excluded: {self.excluded_coverages}")
        return "；".join(parts)
