"""Consent, recorded (PIPL Arts 13–14, 23, 24): an append-only ledger of what a customer agreed
to or withdrew, and the current state per purpose derived from it.

- ``ConsentEvent`` — one grant or withdrawal: the customer, the purpose (marketing on one
  channel, sharing with one named partner for one use, automated decisions), the source (the
  phone page, a call recording, a paper form, an import, the migration of the old flag), the
  wording version shown and its text, when it was given, and who recorded it (the customer on
  their phone page, or the staff user). Never updated nor deleted: a withdrawal is a new event.
- ``Consent`` — the current state of one (customer, purpose, channel/partner) key, rewritten
  from the latest event by ``parties.consent`` (the only writer). Checks read it; the history
  pages read the events. ``Customer.marketing_consent`` is a cached summary: True while any
  marketing channel is granted.

Write only through ``carecircle.parties.consent`` (``grant``, ``withdraw``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("营销联系 / Marketing")
    # Art 23: giving the customer's data to another handler needs separate consent naming the
    # recipient, the purpose and the data.
    SHARING = "sharing", _("向合作方提供信息 / Sharing with a partner")
    # Art 24: decisions made by automation (tier, price band, fast track).
    AUTOMATED = "automated", _("自动化决策 / Automated decisions")


class ConsentChannel(models.TextChoices):
    """Marketing channels; the notify channels (sms, wechat, email) keep their codes."""

    PHONE = "phone", _("电话 / Phone call")
    SMS = "sms", _("短信 / SMS")
    WECHAT = "wechat", _("微信 / WeChat")
    EMAIL = "email", _("电子邮件 / E-mail")


class SharingUse(models.TextChoices):
    """What a sharing consent is for, and so which data goes (``consent.SHARED_DATA``)."""

    REPAIR = "repair", _("送修 / Repair referral")
    SERVICE_BOOKING = "service_booking", _("预约增值服务 / Service booking")


class ConsentSource(models.TextChoices):
    PHONE_PAGE = "phone_page", _("客户手机页面 / Phone page")
    CALL_RECORDING = "call_recording", _("通话录音 / Call recording")
    PAPER_FORM = "paper_form", _("纸质授权书 / Paper form")
    IMPORT = "import", _("导入 / Import")
    MIGRATION = "migration", _("旧标记迁移 / Migrated flag")


class ConsentAction(models.TextChoices):
    GRANT = "grant", _("同意 / Granted")
    WITHDRAW = "withdraw", _("撤回 / Withdrawn")


class AppendOnly(Exception):
    """A consent event is evidence: it is never changed nor deleted."""


class ConsentEventQuerySet(RestrictedQuerySet):
    # Seen by whoever sees the customer (staff in scope, the customer); never by partners.
    reach = customer_reach("customer")

    def update(self, **kwargs):
        raise AppendOnly("consent events are append-only / 同意记录只增不改")

    def delete(self):
        raise AppendOnly("consent events are append-only / 同意记录只增不改")


class ConsentScope(models.Model):
    """The key of a consent: purpose plus the channel (marketing) or the partner and use
    (sharing). ``key`` spells it out (``marketing:sms``, ``sharing:repair:42``, ``automated``)."""

    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, verbose_name=_("客户 / customer")
    )
    purpose = models.CharField(_("目的 / purpose"), max_length=16, choices=ConsentPurpose.choices)
    channel = models.CharField(
        _("渠道 / channel"), max_length=8, choices=ConsentChannel.choices, blank=True
    )
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("接收方 / recipient"),
    )
    use = models.CharField(_("用途 / use"), max_length=16, choices=SharingUse.choices, blank=True)
    key = models.CharField(max_length=48)

    class Meta:
        abstract = True


class ConsentEvent(ConsentScope):
    """One grant or withdrawal, as it was given. Append-only."""

    action = models.CharField(_("动作 / action"), max_length=8, choices=ConsentAction.choices)
    source = models.CharField(_("来源 / source"), max_length=16, choices=ConsentSource.choices)
    wording = models.CharField(
        _("文本版本 / wording version"), max_length=32, help_text=_("如 / e.g. marketing-v1")
    )
    text = models.TextField(_("所示文本 / text shown"), blank=True)
    at = models.DateTimeField(_("时间 / when"))
    recorded_at = models.DateTimeField(_("记录时间 / recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人 / recorded by"),
    )

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-pk")
        indexes = [models.Index(fields=["customer", "key", "at"])]
        default_related_name = "consent_events"

    def __str__(self) -> str:
        return f"{self.key} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("consent events are append-only / 同意记录只增不改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("consent events are append-only / 同意记录只增不改")

    @property
    def by_customer(self) -> bool:
        """Recorded by the customer themself (their phone page), not by staff."""
        return (
            self.recorded_by is not None
            and getattr(self.recorded_by, "customer_id", None) == self.customer_id
        )


class ConsentQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def granted(self):
        return self.filter(granted=True)


class Consent(ConsentScope):
    """The current state of one key, from its latest event (by ``at``, then id)."""

    granted = models.BooleanField(_("当前同意 / granted now"))
    granted_at = models.DateTimeField(_("同意时间 / granted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间 / withdrawn"), null=True, blank=True)
    source = models.CharField(_("来源 / source"), max_length=16, choices=ConsentSource.choices)
    wording = models.CharField(_("文本版本 / wording version"), max_length=32)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        default_related_name = "consents"
        constraints = [
            models.UniqueConstraint(fields=["customer", "key"], name="consent_one_per_key"),
        ]
        indexes = [models.Index(fields=["key", "granted"])]

    def __str__(self) -> str:
        return f"{self.key} {'granted' if self.granted else 'withdrawn'}"
