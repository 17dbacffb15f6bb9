"""Ownership transfers (过户) and the endorsements (批改) they make on policies in force.

``OwnershipTransfer`` records that a vehicle changed hands on a date and what the customer
chose for the policies in force; ``Endorsement`` records each policy's change with its
before and after, and the refund of a cancelled one. ``policies.endorsements`` writes both;
the NCD reads the transfer date (``claims.selectors.history``): history before it does not
count for the new owner.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import MoneyField

from .choices import EndorsementKind, InForce


class OwnershipTransferQuerySet(RestrictedQuerySet):
    # Seen by whoever sees the new owner (the vehicle's owner from the date).
    reach = customer_reach("to_owner")


class OwnershipTransfer(TimeStampedModel):
    vehicle = models.ForeignKey(
        "parties.Vehicle", on_delete=models.PROTECT, related_name="transfers", db_index=False
    )
    from_owner = models.ForeignKey(
        "parties.Customer",
        on_delete=models.PROTECT,
        related_name="vehicles_sold",
        verbose_name=_("原车主 / previous owner"),
    )
    to_owner = models.ForeignKey(
        "parties.Customer",
        on_delete=models.PROTECT,
        related_name="vehicles_bought",
        verbose_name=_("新车主 / new owner"),
    )
    on = models.DateField(_("过户日期 / transferred on"))
    in_force = models.CharField(
        _("在保保单处理 / policies in force"), max_length=12, choices=InForce.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人 / recorded by"),
    )

    objects = OwnershipTransferQuerySet.as_manager()

    class Meta:
        # The NCD reads a vehicle's latest transfer on or before a date on this index.
        indexes = [models.Index(fields=["vehicle", "on"], name="transfer_vehicle_on")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_owner=models.F("to_owner")), name="transfer_between_two_owners"
            ),
            models.CheckConstraint(
                condition=Q(in_force__in=InForce.values), name="transfer_in_force_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.from_owner_id}→{self.to_owner_id} {self.on}"


class EndorsementQuerySet(RestrictedQuerySet):
    reach = customer_reach("policy__customer", partner="policy__partner", unit="policy__unit")


class Endorsement(models.Model):
    """One change to one issued policy (批改) with what it was and what it became."""

    kind = models.CharField(_("批改类型 / kind"), max_length=16, choices=EndorsementKind.choices)
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="endorsements"
    )
    transfer = models.ForeignKey(
        OwnershipTransfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="endorsements",
    )
    effective_on = models.DateField(_("批改生效日 / effective on"))
    before = models.JSONField(_("批改前 / before"), default=dict)
    after = models.JSONField(_("批改后 / after"), default=dict)
    refund = MoneyField(
        _("退还保费 / refund"),
        null=True,
        blank=True,
        help_text=_("按日计算的未到期保费 / the unearned premium, by the day"),
    )
    note = models.CharField(_("说明 / note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refund__isnull=True) | Q(refund__gte=0),
                name="endorsement_refund_not_negative",
            ),
            models.UniqueConstraint(
                fields=["transfer", "policy"], name="endorsement_once_per_transfer_and_policy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.policy_id} {self.effective_on}"
