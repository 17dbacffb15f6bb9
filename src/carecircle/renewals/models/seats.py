"""Who works renewals and how much; pipeline runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SeatProfile(models.Model):
    """A seat's (or agent's) daily capacity and skills for assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_profile"
    )
    daily_capacity = models.PositiveSmallIntegerField(_("日呼叫容量 / calls a day"), default=40)
    handles_companies = models.BooleanField(_("可处理企业客户 / company customers"), default=False)
    handles_new_energy = models.BooleanField(
        _("可处理新能源车 / new-energy vehicles"), default=False
    )
    active = models.BooleanField(_("在岗 / active"), default=True)

    def __str__(self) -> str:
        return str(self.user)


class PipelineRun(models.Model):
    as_of = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(null=True)
    counts = models.JSONField(default=dict)
    lift_source = models.CharField(max_length=16, blank=True)  # "history" or "default"

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"pipeline {self.as_of}"
