"""Black and grey lists: proposed by rules with reasons, decided by a person, appealable.

Nothing here is applied silently: an entry only takes effect once a person approves it, it
expires, and every step (proposal, decision, appeal, appeal decision, revocation) is a
``ListEvent`` in the entry's history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach


class ListKind(models.TextChoices):
    GREY = "grey", _("灰名单(加强审核) / Grey list (closer review)")
    # 交强险 may never be refused to an insurable vehicle (DOMAIN.md): the black list limits
    # commercial cover only.
    BLACK = (
        "black",
        _(
            "黑名单(商业险不予承保或续保，交强险照常) / Black list (no commercial cover or renewal; "
            "交强险 always offered)"
        ),
    )


class ListStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核 / Proposed")
    ACTIVE = "active", _("生效 / Active")
    REJECTED = "rejected", _("未采纳 / Rejected")
    APPEALED = "appealed", _("申诉中 / Under appeal")
    REVOKED = "revoked", _("已撤销 / Revoked")
    EXPIRED = "expired", _("已到期 / Expired")


OPEN_LIST_STATUSES = (ListStatus.PROPOSED, ListStatus.ACTIVE, ListStatus.APPEALED)


class ListEntryQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer")

    def in_force(self, on):
        """Entries that apply on a date: approved (or under appeal) and not yet expired."""
        return self.filter(status__in=(ListStatus.ACTIVE, ListStatus.APPEALED), expires_on__gte=on)


class ListEntry(models.Model):
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="list_entries"
    )
    kind = models.CharField(_("名单 / list"), max_length=8, choices=ListKind.choices)
    status = models.CharField(
        _("状态 / status"), max_length=10, choices=ListStatus.choices, default=ListStatus.PROPOSED
    )
    reasons = models.CharField(_("原因代码 / reason codes"), max_length=255)
    evidence = models.JSONField(_("依据 / evidence"), default=dict)
    proposed_by_run = models.ForeignKey(
        "value.ValueRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(_("到期日 / expires on"), null=True, blank=True)
    appeal_text = models.TextField(_("申诉理由 / appeal"), blank=True)

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单记录 / list entry")
        verbose_name_plural = _("黑灰名单 / black and grey lists")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=models.Q(status__in=["proposed", "active", "appealed"]),
                name="value_one_open_list_entry_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} ({self.status})"


class ListEvent(models.Model):
    """One step in a list entry's life, with who and why."""

    entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action} {self.from_status}→{self.to_status}"
