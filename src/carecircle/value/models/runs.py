"""Value runs and their per-customer results.

Every run writes its rows under its own ``ValueRun``; readers only ever see the run flagged
``is_current``.  The flag moves in one transaction at the very end of a successful run, so a
failed or killed run leaves the previous results in place (atomic switch-over).

A running run beats (``heartbeat_at``, value.engine.runner); a run whose heartbeat stopped was
killed and is marked ``abandoned`` by the next run, which deletes its rows and its snapshot
folder (``folder``) — docs/jobs.md.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.money import MoneyField

from .tiers import Tier


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中 / Running")
    SUCCEEDED = "succeeded", _("成功 / Succeeded")
    FAILED = "failed", _("失败 / Failed")
    ABANDONED = "abandoned", _("已放弃(进程中断) / Abandoned (process stopped)")


class ValueRun(models.Model):
    as_of = models.DateField(_("评估日 / as of"))
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_current = models.BooleanField(_("当前结果 / current"), default=False)
    parameters = models.JSONField(_("参数 / parameters"), default=dict)
    model_versions = models.JSONField(_("模型版本 / model versions"), default=dict)
    counts = models.JSONField(_("计数 / counts"), default=dict)
    seconds = models.FloatField(_("耗时(秒) / seconds"), null=True, blank=True)
    error = models.TextField(_("错误 / error"), blank=True)
    heartbeat_at = models.DateTimeField(
        _("心跳 / heartbeat"),
        null=True,
        blank=True,
        help_text=_("运行中每隔几秒更新 / updated every few seconds while the run is alive"),
    )
    folder = models.CharField(
        _("快照目录 / snapshot folder"),
        max_length=500,
        blank=True,
        help_text=_(
            "本批次导出的快照目录,中断后由下一批次删除 / the run's own export, removed "
            "by the next run if this one was killed"
        ),
    )
    summary = models.JSONField(
        _("组合概要 / portfolio summary"),
        default=dict,
        help_text=_("全量帕累托曲线等,由批次计算 / whole-book Pareto curves computed by the run"),
    )

    class Meta:
        verbose_name = _("价值计算批次 / value run")
        verbose_name_plural = _("价值计算批次 / value runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="value_one_current_run",
            ),
            # Two runs starting together both pass the "is one running?" check; only one may
            # create its run (the other gets RunInProgress, value.engine.runner).
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="value_one_running_run",
            ),
        ]

    def __str__(self) -> str:
        return f"value run {self.pk} as of {self.as_of} ({self.status})"


class CustomerValueQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def current(self):
        return self.filter(run__is_current=True)


def _money(label: Any) -> MoneyField:
    return MoneyField(label, default=0)


class CustomerValue(models.Model):
    """Both sides of one customer's value, their tier and the reasons, from one run."""

    run = models.ForeignKey(ValueRun, on_delete=models.CASCADE, related_name="results")
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="values"
    )
    # value to the insurer
    tenure_years = models.DecimalField(
        _("客户年限 / tenure (years)"), max_digits=5, decimal_places=1
    )
    vehicles = models.PositiveIntegerField(_("在保车辆 / vehicles insured"), default=0)
    policies_in_force = models.PositiveIntegerField(_("有效保单 / policies in force"), default=0)
    written_premium_3y = _money(_("三年签单保费 / written premium, 3 years"))
    earned_premium_3y = _money(_("三年已赚保费 / earned premium, 3 years"))
    claims_paid_3y = _money(_("三年已付赔款 / claims paid, 3 years"))
    claims_outstanding = _money(_("未决赔款 / claims outstanding"))
    claims_count_3y = models.PositiveIntegerField(_("三年赔案数 / claims, 3 years"), default=0)
    expense_3y = _money(_("三年费用与手续费 / expense and commission, 3 years"))
    loss_ratio_3y = models.DecimalField(
        _("三年赔付率 / loss ratio, 3 years"), max_digits=8, decimal_places=4, null=True
    )
    loss_ratio_credible = models.DecimalField(
        _("信度赔付率 / credibility-weighted loss ratio"), max_digits=8, decimal_places=4
    )
    annual_premium = _money(_("年保费 / annual premium"))
    expected_claims = _money(_("预期年赔付 / expected annual claims"))
    annual_margin = _money(_("年边际贡献 / annual margin"))
    renewal_probability = models.DecimalField(
        _("续保概率 / renewal probability"), max_digits=5, decimal_places=4
    )
    lifetime_value = _money(_("客户终身价值 / lifetime value"))
    value_percentile = models.DecimalField(
        _("价值百分位(越小越靠前) / value percentile (top = small)"),
        max_digits=5,
        decimal_places=4,
    )
    # value delivered to the customer
    delivered_claims_paid_3y = _money(_("为客户赔付(三年) / claims paid to the customer"))
    days_to_pay_median = models.DecimalField(
        _("赔款到账中位天数 / median days report to payment"),
        max_digits=6,
        decimal_places=1,
        null=True,
    )
    services_used_3y = models.PositiveIntegerField(_("增值服务次数 / services used"), default=0)
    services_value_3y = _money(_("增值服务价值 / value of services used"))
    discounts_3y = _money(_("保费优惠 / discounts received"))
    satisfaction = models.DecimalField(
        _("平均满意度 / mean satisfaction"), max_digits=3, decimal_places=2, null=True
    )
    complaints_3y = models.PositiveIntegerField(_("投诉次数 / complaints"), default=0)
    value_delivered_3y = _money(_("交付客户价值(三年) / value delivered, 3 years"))
    # tier decision
    rule_tier = models.CharField(
        _("规则等级 / tier by the rules"), max_length=12, choices=Tier.choices
    )
    tier = models.CharField(_("等级 / tier"), max_length=12, choices=Tier.choices)
    previous_tier = models.CharField(
        _("原等级 / previous tier"), max_length=12, choices=Tier.choices, blank=True
    )
    reasons = models.CharField(_("原因代码 / reason codes"), max_length=255)
    needs_review = models.CharField(_("需人工复核 / review reason"), max_length=40, blank=True)
    list_proposal = models.CharField(_("名单建议 / list proposal"), max_length=8, blank=True)
    # descriptors for the portfolio views, so grouping is one scan of this table
    main_channel = models.CharField(_("主要渠道 / main channel"), max_length=16, blank=True)
    province = models.CharField(_("省份 / province"), max_length=32, blank=True)
    vehicle_use = models.CharField(_("主车使用性质 / main vehicle use"), max_length=16, blank=True)
    year_ago_tier = models.CharField(
        _("一年前等级 / tier a year ago"), max_length=12, choices=Tier.choices, blank=True
    )

    objects = CustomerValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户价值 / customer value")
        verbose_name_plural = _("客户价值 / customer values")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="value_one_row_per_run")
        ]
        indexes = [
            models.Index(fields=["run", "tier"]),
            models.Index(fields=["customer", "run"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.tier} (run {self.run_id})"
