"""Vouchers: one use of one service for one customer, issued by entitlement or by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import RestrictedQuerySet, customer_reach

from ..choices import IssueSource, VoucherStatus
from .catalogue import EntitlementPackage, ServiceProduct


class VoucherQuerySet(RestrictedQuerySet):
    # A merchant sees only the vouchers it has redeemed, never the customer book.
    reach = customer_reach("customer", merchant="merchant")


class Voucher(models.Model):
    """One use of one service, with an unguessable code (rules.new_code) and a state machine
    (rules.VOUCHER_TRANSITIONS).  Automatic issuing is idempotent through the unique
    (policy, package, product, entitlement_seq): the n-th use of a package's service in a
    policy year exists once."""

    code = models.CharField(_("券码 / code"), max_length=12)
    # Indexes are few on purpose (bulk issuing writes millions of rows): customer and merchant
    # lookups use the composite indexes below, codes and entitlement keys their unique ones.
    customer = models.ForeignKey(
        "parties.Customer",
        on_delete=models.PROTECT,
        related_name="alliance_vouchers",
        db_index=False,
    )
    policy = models.ForeignKey(
        "policies.Policy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_vouchers",
        db_index=False,  # the entitlement constraint's index leads with policy
    )
    # No database foreign-key constraint to the two catalogue tables: checking it on each of
    # millions of bulk-issued rows cost more than a third of the insert (ADR 0008).  PROTECT
    # still guards deletes through the ORM, and catalogue rows are deactivated, not deleted.
    product = models.ForeignKey(
        ServiceProduct,
        on_delete=models.PROTECT,
        related_name="vouchers",
        db_index=False,
        db_constraint=False,
    )
    package = models.ForeignKey(
        EntitlementPackage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(_("来源 / source"), max_length=12, choices=IssueSource.choices)
    entitlement_seq = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("权益第n次 / the n-th use of the package's service")
    )
    reason = models.CharField(_("发放原因 / reason"), max_length=255, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    issued_at = models.DateTimeField(_("发放时间 / issued"))
    valid_from = models.DateField(_("生效日 / valid from"))
    valid_until = models.DateField(_("有效期至(含) / valid until, inclusive"))
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=VoucherStatus.choices, default="issued"
    )
    merchant = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text=_("核销商户 / the merchant that redeemed it"),
    )
    redeemed_at = models.DateTimeField(_("核销时间 / redeemed"), null=True, blank=True)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务券 / voucher")
        verbose_name_plural = _("服务券 / vouchers")
        # Five indexes only: bulk issuing writes millions of rows (docs/alliance.md).  The
        # nightly expiry scans; the merchant index skips unredeemed vouchers.
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(
                fields=["merchant", "redeemed_at"],
                condition=Q(merchant__isnull=False),
                name="alliance_voucher_redeemed",
            ),
        ]
        constraints = [
            # UniqueConstraint (not unique=True): no extra varchar_pattern_ops index.
            models.UniqueConstraint(fields=["code"], name="alliance_voucher_code_unique"),
            # Not partial, so its index (leading with policy) also serves every lookup by
            # policy; manual vouchers have no entitlement_seq and NULLs never collide.
            models.UniqueConstraint(
                fields=["policy", "package", "product", "entitlement_seq"],
                name="alliance_voucher_entitlement_once",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="alliance_voucher_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    @property
    def masked_code(self) -> str:
        """The code as anyone but its owner sees it (lists, statements, the issuer's page):
        the last four symbols, enough to tell vouchers apart, never enough to redeem one."""
        return "****-****-" + self.code[-4:]

    def code_for(self, user) -> str:
        """The full code for the voucher's owner only (ADR 0008; a merchant reads a code only
        at the counter, in the redemption's own response)."""
        owner = getattr(user, "customer_id", None)
        return (
            self.display_code
            if owner is not None and owner == self.customer_id
            else self.masked_code
        )
