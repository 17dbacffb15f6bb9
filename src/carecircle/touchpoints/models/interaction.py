from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel

from ..choices import ContactType, Direction, Medium, Outcome


class InteractionQuerySet(RestrictedQuerySet):
    reach = customer_reach("customer", partner="partner")


class Interaction(TimeStampedModel):
    """One contact with a customer, of one of the five contact types, on the customer timeline."""

    interaction_no = models.CharField(
        _("接触编号 / interaction no."),
        max_length=40,
        blank=True,
        help_text=_("外部系统或导入的业务主键 / business key from imports"),
    )
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.CASCADE, related_name="interactions"
    )
    contact_type = models.CharField(
        _("接触类型 / contact type"), max_length=8, choices=ContactType.choices
    )
    medium = models.CharField(_("方式 / medium"), max_length=8, choices=Medium.choices)
    direction = models.CharField(_("方向 / direction"), max_length=8, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("时间 / when"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    policy = models.ForeignKey(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    claim = models.ForeignKey(
        "claims.Claim",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    summary = models.CharField(_("摘要 / summary"), max_length=255, blank=True)
    outcome = models.CharField(_("结果 / outcome"), max_length=12, choices=Outcome.choices)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度(1-5) / satisfaction (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    source = models.CharField(max_length=32, blank=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["customer", "-occurred_at"])]
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction_no"],
                condition=~models.Q(interaction_no=""),
                name="interaction_no_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} {self.occurred_at:%Y-%m-%d}"
