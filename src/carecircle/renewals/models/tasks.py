"""The renewal record: one per expiring policy, whatever the channel (渠道协同)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core import clock
from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm

from ..choices import AssignReason, Segment, Stage, Status


class RenewalTaskQuerySet(RestrictedQuerySet):
    # Seats and agents: their customers' renewals; a team leader also every renewal assigned
    # to the team; renewal supervisors the whole book (the one rule, core.access).
    reach = {
        Action.VIEW: Reach(
            customer="customer",
            team="assignee__team",
            unit="unit",
            whole_book=(Perm.SEE_ALL_CUSTOMERS, Perm.SUPERVISE_RENEWALS),
        )
    }

    def open(self):
        return self.filter(stage__in=[Stage.RESERVED, Stage.TELESALES])


class RenewalTask(models.Model):
    """``policy`` is the expiring lead policy (commercial when the vehicle has one);
    ``companion`` the compulsory policy expiring with it, quoted and renewed together."""

    policy = models.OneToOneField(
        "policies.Policy", on_delete=models.PROTECT, related_name="renewal_task"
    )
    companion = models.OneToOneField(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="companion_renewal_task",
    )
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="renewal_tasks"
    )
    expiry_date = models.DateField(_("到期日 / expiry"))
    premium_last_year = MoneyField(_("去年保费 / last year's premium"), default=ZERO)
    stage = models.CharField(_("阶段 / stage"), max_length=12, choices=Stage.choices)
    status = models.CharField(
        _("状态 / status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # 清分: sorting and priority, recomputed each pipeline run while the task is open.
    tier = models.CharField(_("客户等级 / tier"), max_length=12, blank=True)
    segment = models.CharField(_("客群 / segment"), max_length=24, choices=Segment.choices)
    renewal_probability = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    value_at_stake = MoneyField(_("续保价值 / value at stake"), default=ZERO)
    lift = models.DecimalField(_("接触提升 / contact lift"), max_digits=5, decimal_places=4)
    priority = MoneyField(_("优先级(期望价值) / priority (expected value)"), default=ZERO)
    # 责任落实 and the channel that owns the customer.
    reserved_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reserved_renewals",
    )
    reserved_partner = models.ForeignKey(
        "parties.Partner", null=True, blank=True, on_delete=models.SET_NULL
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_tasks",
        verbose_name=_("续保机构 / unit"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewal_tasks",
        verbose_name=_("负责人 / assignee"),
    )
    # Two seats opening the same task: the first holds it until ``locked_until``.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("应跟进时间 / due"), null=True, blank=True)
    customer_asked = models.BooleanField(
        _("客户主动要求联系 / customer asked to be called"), default=False
    )
    attempts = models.PositiveSmallIntegerField(_("呼叫次数 / attempts"), default=0)
    connected = models.PositiveSmallIntegerField(_("接通次数 / connected"), default=0)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    successor = models.OneToOneField(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_from_task",
    )
    # The offer the customer accepted (投保单), awaiting payment until it issues or lapses.
    proposal = models.ForeignKey(
        "policies.Proposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewal_tasks",
    )
    renewed_channel = models.CharField(
        _("续保归属渠道 / renewed by channel"), max_length=16, blank=True
    )
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals_won",
    )
    lost_reason = models.CharField(_("流失原因 / lost reason"), max_length=16, blank=True)
    competitor = models.CharField(_("竞争对手 / competitor"), max_length=64, blank=True)
    competitor_price = MoneyField(_("对手报价 / competitor's price"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RenewalTaskQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["assignee", "stage", "-priority"], name="renewal_queue"),
            models.Index(fields=["stage", "expiry_date"]),
            models.Index(fields=["customer", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(companion=models.F("policy")), name="renewal_companion_differs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.expiry_date}"

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.DONE


class Assignment(models.Model):
    """Every change of who is responsible for a renewal, with the reason."""

    task = models.ForeignKey(RenewalTask, on_delete=models.CASCADE, related_name="assignments")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=AssignReason.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=clock.now)  # business time (tests, demo days)

    class Meta:
        indexes = [models.Index(fields=["task", "at"])]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.to_user_id} ({self.reason})"
