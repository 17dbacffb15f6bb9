"""Merchant alliance: catalogue, entitlement packages, vouchers, redemptions and settlement.

Merchants are ``parties.Partner`` rows of kind ``merchant``; their staff are users with the
``merchant_user`` role and ``user.partner`` set.  Row-level access is in each ``restrict``:
a merchant user sees its own merchant's catalogue, redemptions and statements only; customers
see their own vouchers; insurer staff see what their customer scope allows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import STAFF, Action, Reach, RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.choices import VehicleUse
from carecircle.policies.choices import Channel
from carecircle.value.models import Tier

from .choices import (
    RIDER_CHOICES,
    AttemptOutcome,
    BookingStatus,
    IssueSource,
    LineKind,
    RedemptionStatus,
    ServiceKind,
    StatementStatus,
    VoucherStatus,
)


def merchant_of(user) -> int | None:
    """The merchant a merchant user works for (None for everyone else)."""
    if getattr(user, "role", None) == Role.MERCHANT_USER and getattr(user, "partner_id", None):
        return user.partner_id
    return None


def manages_alliance(user) -> bool:
    return has_perm(user, Perm.MANAGE_ALLIANCE)


class CatalogueQuerySet(RestrictedQuerySet):
    """Catalogue rows: a merchant user sees its own merchant's, insurer staff all, customers
    the active offers of active merchants."""

    reach = {
        Action.VIEW: Reach(
            merchant="merchant",
            whole_book=(STAFF,),
            customers_see=Q(active=True, merchant__active=True),
        )
    }


# ----------------------------------------------------------------------------- catalogue


class ServiceProduct(models.Model):
    """A service the alliance offers (洗车, 保养 …), with the public list price."""

    code = models.CharField(_("编码 / code"), max_length=32, unique=True)
    kind = models.CharField(_("服务类别 / kind"), max_length=24, choices=ServiceKind.choices)
    name = models.CharField(_("名称 / name"), max_length=64)
    description = models.CharField(_("说明 / description"), max_length=255, blank=True)
    public_price = MoneyField(_("门市价 / public price"), default=ZERO)
    rider = models.CharField(
        _("对应附加服务特约 / service rider"),
        max_length=24,
        choices=RIDER_CHOICES,
        blank=True,
        help_text=_(
            "2020示范条款附加服务特约；使用不算出险 / 2020 model-clause rider; using it is never a claim"
        ),
    )
    active = models.BooleanField(_("有效 / active"), default=True)

    class Meta:
        verbose_name = _("服务产品 / service product")
        verbose_name_plural = _("服务产品 / service products")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def counts_as_claim(self) -> bool:
        """Services, riders included, never count as a claim (no NCD effect)."""
        return False


class MerchantLocation(models.Model):
    merchant = models.ForeignKey(
        "parties.Partner",
        on_delete=models.CASCADE,
        related_name="alliance_locations",
        limit_choices_to={"kind": "merchant"},
    )
    name = models.CharField(_("门店 / location"), max_length=128)
    city = models.CharField(_("城市 / city"), max_length=32, blank=True)
    address = models.CharField(_("地址 / address"), max_length=255, blank=True)
    opening_hours = models.CharField(
        _("营业时间 / opening hours"), max_length=64, default="09:00-18:00"
    )
    daily_capacity = models.PositiveIntegerField(_("日接待量 / daily capacity"), default=20)
    active = models.BooleanField(_("有效 / active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("商户门店 / merchant location")
        verbose_name_plural = _("商户门店 / merchant locations")
        ordering = ["merchant", "name"]

    def __str__(self) -> str:
        return self.name


class MerchantOffer(models.Model):
    """A merchant's service: the agreed price the insurer pays and the merchant's public price."""

    merchant = models.ForeignKey(
        "parties.Partner",
        on_delete=models.CASCADE,
        related_name="alliance_offers",
        limit_choices_to={"kind": "merchant"},
    )
    product = models.ForeignKey(ServiceProduct, on_delete=models.PROTECT, related_name="offers")
    price_to_insurer = MoneyField(_("结算价 / agreed price to the insurer"))
    public_price = MoneyField(_("门市价 / public price"))
    daily_capacity = models.PositiveIntegerField(_("日接待量 / daily capacity"), default=20)
    active = models.BooleanField(_("有效 / active"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("商户服务 / merchant service")
        verbose_name_plural = _("商户服务 / merchant services")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "product"], name="alliance_offer_once"),
            models.CheckConstraint(
                condition=Q(price_to_insurer__gte=0), name="alliance_offer_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} · {self.product}"


class EntitlementPackage(TimeStampedModel):
    """An administrator's rule: who is entitled to which services each policy year.

    A package applies to a commercial policy when every condition set on it holds; blank
    conditions match everything.  Packages add up (黄金 + 钻石 extras for a diamond customer).
    """

    code = models.CharField(_("编码 / code"), max_length=32, unique=True)
    name = models.CharField(_("名称 / name"), max_length=64)
    min_tier = models.CharField(
        _("最低客户等级 / lowest tier"),
        max_length=12,
        choices=Tier.choices,
        blank=True,
        help_text=_("该等级及以上 / this tier and above; blank = any tier"),
    )
    rider = models.CharField(
        _("需附加服务特约 / requires rider"),
        max_length=24,
        choices=RIDER_CHOICES,
        blank=True,
    )
    vehicle_use = models.CharField(
        _("车辆使用性质 / vehicle use"), max_length=16, choices=VehicleUse.choices, blank=True
    )
    new_energy_only = models.BooleanField(_("仅新能源车 / new-energy vehicles only"), default=False)
    channel = models.CharField(
        _("渠道 / channel"), max_length=16, choices=Channel.choices, blank=True
    )
    campaign = models.CharField(
        _("活动 / campaign"),
        max_length=64,
        blank=True,
        help_text=_("活动名称；配合起保日期区间 / campaign name, with the start-date window"),
    )
    policy_starts_from = models.DateField(
        _("起保日期自 / policies starting from"), null=True, blank=True
    )
    policy_starts_until = models.DateField(
        _("起保日期至 / policies starting until"), null=True, blank=True
    )
    active = models.BooleanField(_("有效 / active"), default=True)

    class Meta:
        verbose_name = _("权益包 / entitlement package")
        verbose_name_plural = _("权益包 / entitlement packages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EntitlementItem(models.Model):
    package = models.ForeignKey(EntitlementPackage, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(ServiceProduct, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        _("每保单年次数 / uses per policy year"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("权益项 / entitlement item")
        verbose_name_plural = _("权益项 / entitlement items")
        constraints = [
            models.UniqueConstraint(fields=["package", "product"], name="alliance_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.package}: {self.product} × {self.quantity}"


# ----------------------------------------------------------------------------- vouchers


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


class MerchantRowsQuerySet(RestrictedQuerySet):
    """Rows that belong to a merchant and a customer (redemptions, bookings)."""

    reach = customer_reach(
        "voucher__customer",
        merchant="merchant",
        whole_book=(Perm.SEE_ALL_CUSTOMERS, Perm.MANAGE_ALLIANCE),
    )


class Redemption(models.Model):
    """A voucher used at a merchant, at the agreed price; reversed within the window."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    merchant = models.ForeignKey(
        "parties.Partner", on_delete=models.PROTECT, related_name="alliance_redemptions"
    )
    location = models.ForeignKey(
        MerchantLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(MerchantOffer, on_delete=models.PROTECT, related_name="+")
    agreed_price = MoneyField(_("结算价 / agreed price"))
    redeemed_at = models.DateTimeField(_("核销时间 / redeemed"))
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=RedemptionStatus.choices, default="completed"
    )
    reversed_at = models.DateTimeField(_("冲正时间 / reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_reason = models.CharField(_("冲正原因 / reversal reason"), max_length=255, blank=True)

    objects = MerchantRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("核销记录 / redemption")
        verbose_name_plural = _("核销记录 / redemptions")
        indexes = [models.Index(fields=["merchant", "redeemed_at"])]
        constraints = [
            # Second guard behind the conditional UPDATE: one completed use per voucher.
            models.UniqueConstraint(
                fields=["voucher"],
                condition=Q(status="completed"),
                name="alliance_one_completed_redemption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher} @ {self.merchant_id} ({self.status})"


class RedemptionAttempt(models.Model):
    """Every refused code, per merchant user: the guessing brake and its log (first four
    symbols only).  Successes are the redemptions themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merchant = models.ForeignKey(
        "parties.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    code_tried = models.CharField(max_length=20, help_text=_("仅保留前4位 / first 4 characters"))
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("核销尝试 / redemption attempt")
        verbose_name_plural = _("核销尝试 / redemption attempts")
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.outcome} @ {self.at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="bookings")
    merchant = models.ForeignKey("parties.Partner", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(MerchantLocation, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("预约日期 / day"))
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=BookingStatus.choices, default="booked"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantRowsQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约 / booking")
        verbose_name_plural = _("预约 / bookings")
        indexes = [models.Index(fields=["location", "day"])]

    def __str__(self) -> str:
        return f"{self.voucher} {self.day} ({self.status})"


class Rating(models.Model):
    """A customer's rating of a redemption (1–5), optionally with a complaint."""

    redemption = models.OneToOneField(Redemption, on_delete=models.CASCADE, related_name="rating")
    merchant = models.ForeignKey("parties.Partner", on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(
        _("评分 / stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    complaint = models.BooleanField(_("投诉 / complaint"), default=False)
    comment = models.CharField(_("评价 / comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务评价 / rating")
        verbose_name_plural = _("服务评价 / ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="alliance_rating_stars"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.stars}★"


# ----------------------------------------------------------------------------- settlement


class StatementQuerySet(RestrictedQuerySet):
    reach = {Action.VIEW: Reach(merchant="merchant", whole_book=(Perm.MANAGE_ALLIANCE,))}


class Statement(TimeStampedModel):
    """One merchant's monthly statement (对账单): lines at the agreed price, approved, exported."""

    merchant = models.ForeignKey(
        "parties.Partner", on_delete=models.PROTECT, related_name="alliance_statements"
    )
    month = models.DateField(_("月份 / month"), help_text=_("the first day of the month"))
    status = models.CharField(
        _("状态 / status"), max_length=12, choices=StatementStatus.choices, default="draft"
    )
    total = MoneyField(_("合计 / total"), default=ZERO)
    lines_count = models.PositiveIntegerField(_("笔数 / lines"), default=0)
    dispute_reason = models.CharField(_("异议 / dispute"), max_length=255, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("结算对账单 / statement")
        verbose_name_plural = _("结算对账单 / statements")
        ordering = ["-month", "merchant"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="alliance_statement_once")
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.month:%Y-%m}"


class StatementLine(models.Model):
    """A redemption (+ agreed price), its reversal (−) or a person's adjustment (±).

    A redemption is on at most one statement as a redemption and at most one as a reversal
    (unique constraint), so recomputing never counts it twice."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型 / kind"), max_length=12, choices=LineKind.choices)
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    amount = MoneyField(_("金额 / amount"))
    note = models.CharField(_("说明 / note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("对账单明细 / statement line")
        verbose_name_plural = _("对账单明细 / statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=Q(redemption__isnull=False),
                name="alliance_line_once_per_redemption",
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.kind} {self.amount}"
