"""What a customer's grey or black list entry does, readable by every app below value (claims'
fast track, the alliance, renewals' quote). Written by value's list decisions (issue #16).

One row per listed customer, kept by ``value.services.list_effects.sync_flag`` whenever an
entry of theirs is approved, appealed, decided on appeal, revoked or expires: the strongest
entry in force (black over grey), its id (a plain integer: parties sits below value), its
reason codes and the reasons in words. No row: no effect. docs/underwriting.md, ADR 0018.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core import clock
from carecircle.core.access import RestrictedQuerySet, customer_reach

__all__ = ["CustomerListFlag", "ListFlagKind", "list_flag"]


class ListFlagKind(models.TextChoices):
    # The same codes as ``value.models.ListKind`` (parties may not import value).
    GREY = "grey", _("灰名单 / Grey list")
    BLACK = "black", _("黑名单 / Black list")


class CustomerListFlagQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")


class CustomerListFlag(models.Model):
    """The effect of the customer's list entry in force: grey — no pricing coefficient below
    1.0, no claims fast track, no discretionary services; black — all of that, and the
    commercial renewal goes to underwriting (交强险 is always offered)."""

    customer = models.OneToOneField(
        "parties.Customer", on_delete=models.CASCADE, related_name="list_flag"
    )
    kind = models.CharField(_("名单 / list"), max_length=8, choices=ListFlagKind.choices)
    entry_id = models.PositiveIntegerField(_("名单记录 / list entry"), db_index=True)
    reasons = models.CharField(_("原因代码 / reason codes"), max_length=255, blank=True)
    reasons_text = models.TextField(_("原因 / reasons"), blank=True)
    since = models.DateTimeField(_("生效于 / in force since"))
    expires_on = models.DateField(_("到期日 / expires on"), null=True, blank=True)
    under_appeal = models.BooleanField(_("申诉中 / under appeal"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerListFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单效力 / list effect")
        verbose_name_plural = _("名单效力 / list effects")

    def __str__(self) -> str:
        return f"{self.kind} #{self.entry_id} customer {self.customer_id}"

    @property
    def is_black(self) -> bool:
        return self.kind == ListFlagKind.BLACK

    @property
    def names(self) -> str:
        """The entry that causes the effect, in words: "黑名单 #12 / black list entry #12"."""
        zh, en = ("黑名单", "black list") if self.is_black else ("灰名单", "grey list")
        appeal = "（申诉中）/ (under appeal)" if self.under_appeal else ""
        return f"{zh} #{self.entry_id} / {en} entry #{self.entry_id}{appeal}"

    def because(self, effect_zh: str, effect_en: str) -> str:
        """A refusal that names the entry and its reasons."""
        why = f"：{self.reasons_text}" if self.reasons_text else ""
        return f"{effect_zh} / {effect_en} — {self.names}{why}"

    def fast_track_refusal(self) -> str:
        return self.because("名单客户不走快赔", "a listed customer's claim does not go fast track")


def list_flag(customer_id: int | None) -> CustomerListFlag | None:
    """The customer's list effect, or None (for services that have already scoped the
    customer; pages read through ``restrict``). An entry past its expiry date acts no more
    even before the nightly ``value lists`` removes the row."""
    if customer_id is None:
        return None
    in_force = Q(expires_on__isnull=True) | Q(expires_on__gte=clock.today())
    return CustomerListFlag.objects.filter(in_force, customer_id=customer_id).first()
