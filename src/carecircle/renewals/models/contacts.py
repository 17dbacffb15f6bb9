"""Contacts (calls and visits from every channel), quotes and blocked attempts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core import clock
from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.money import MoneyField
from carecircle.core.roles import Perm

from ..choices import ContactChannel, LostReason, Outcome, Rule
from .tasks import RenewalTask


def _worked(customer: str) -> dict[Action, Reach]:
    """Call-centre activity: seen with the customer, by the leader of the seat's team, and by
    renewal supervisors."""
    return {
        Action.VIEW: Reach(
            customer=customer,
            team="by__team",
            whole_book=(Perm.SEE_ALL_CUSTOMERS, Perm.SUPERVISE_RENEWALS),
        )
    }


class ContactQuerySet(RestrictedQuerySet):
    reach = _worked("customer")


class QuoteQuerySet(RestrictedQuerySet):
    reach = _worked("task__customer")


class ComplianceBlockQuerySet(RestrictedQuerySet):
    reach = _worked("customer")


class Contact(models.Model):
    """One contact attempt on a renewal, from any channel; all count against one cap.

    ``idempotency_key`` makes a repeated outcome post (double click, retry) a no-op;
    ``call_id`` ties the contact to the CTI's call and its recording.
    """

    task = models.ForeignKey(RenewalTask, on_delete=models.PROTECT, related_name="contacts")
    customer = models.ForeignKey("parties.Customer", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=12, choices=ContactChannel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(_("时间 / when"))
    # Blank while the call is ringing or in progress; set once by record_outcome.
    outcome = models.CharField(
        _("结果 / outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    connected = models.BooleanField(default=False)
    call_id = models.CharField(max_length=64, blank=True)
    recording_ref = models.CharField(_("录音编号 / recording"), max_length=128, blank=True)
    duration_s = models.PositiveIntegerField(default=0)
    callback_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.CharField(max_length=16, choices=LostReason.choices, blank=True)
    competitor = models.CharField(max_length=64, blank=True)
    competitor_price = MoneyField(null=True, blank=True)
    note = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["customer", "at"]),
            models.Index(fields=["task", "at"]),
            models.Index(fields=["by", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} @ {self.at:%Y-%m-%d %H:%M}"


class Quote(models.Model):
    """A renewal quote as shown to the customer; every figure kept for the audit."""

    task = models.ForeignKey(RenewalTask, on_delete=models.PROTECT, related_name="quotes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=clock.now)  # business time (tests, demo days)
    base_premium = MoneyField(_("基准保费 / base premium"))
    ncd_level = models.SmallIntegerField()
    ncd_coefficient = models.DecimalField(max_digits=5, decimal_places=3)
    ncd_reason = models.CharField(_("NCD说明 / why this NCD"), max_length=255, blank=True)
    pricing_coefficient = models.DecimalField(max_digits=5, decimal_places=3)
    traffic_violation_coefficient = models.DecimalField(max_digits=5, decimal_places=3)
    commercial_premium = MoneyField(_("商业险保费 / commercial premium"))
    compulsory_adjustment = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    compulsory_premium = MoneyField(_("交强险保费 / compulsory premium"), null=True)
    # 车船税 collected with 交强险: shown and totalled apart from premium (``total`` is premium).
    vehicle_tax = MoneyField(_("代收车船税 / vehicle tax"), null=True)
    compulsory_only = models.BooleanField(_("仅续交强险 / 交强险 only"), default=False)
    total = MoneyField(_("合计 / total"))
    last_year_total = MoneyField(_("去年合计 / last year"))
    accepted = models.BooleanField(default=False)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["task", "at"])]

    def __str__(self) -> str:
        return f"quote {self.total} for task {self.task_id}"

    @property
    def grand_total(self):
        """What the customer pays: premium plus the vehicle tax collected with 交强险."""
        return self.total + (self.vehicle_tax or Decimal("0.00"))

    @property
    def change(self):
        return self.total - self.last_year_total

    @property
    def change_pct(self):
        if not self.last_year_total:
            return None
        return (self.change / self.last_year_total * 100).quantize(Decimal("0.1"))


class ComplianceBlock(models.Model):
    """A contact or quote the rules refused; supervisors see them as calls outside SLA."""

    task = models.ForeignKey(
        RenewalTask, null=True, on_delete=models.SET_NULL, related_name="blocks"
    )
    customer = models.ForeignKey(
        "parties.Customer", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()
    rule = models.CharField(max_length=20, choices=Rule.choices)
    message = models.CharField(max_length=255)

    objects = ComplianceBlockQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["at"]), models.Index(fields=["by", "at"])]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"
