from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core import pii
from carecircle.core.access import STAFF, Action, Reach, RestrictedQuerySet, customer_reach
from carecircle.core.models import TimeStampedModel
from carecircle.core.money import MoneyField
from carecircle.core.roles import Perm, has_perm
from carecircle.core.validators import validate_plate, validate_uscc, validate_vin

from .choices import CustomerKind, Energy, Gender, PartnerKind, TeamKind, VehicleUse
from .models_consent import Consent, ConsentEvent  # noqa: F401  (consent, recorded)
from .models_lists import *  # noqa: F403  (list effects, #16)


class TeamQuerySet(RestrictedQuerySet):
    # A team's figures (supervision): renewal supervisors see every team, a leader their own.
    reach = {
        Action.VIEW: Reach(team="", unit="unit", whole_book=(STAFF,)),
        Action.REPORT: Reach(team="", unit="unit", whole_book=(Perm.SUPERVISE_RENEWALS,)),
    }


class Team(models.Model):
    name = models.CharField(_("名称 / name"), max_length=64, unique=True)
    kind = models.CharField(_("类型 / kind"), max_length=16, choices=TeamKind.choices)
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        verbose_name=_("所属机构 / unit"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    objects = TeamQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class PartnerQuerySet(RestrictedQuerySet):
    # Insurer staff see every partner; a partner's or merchant's users their own. A partner's
    # figures (scorecard) are for those who manage partners or read the cockpit.
    reach = {
        Action.VIEW: Reach(partner="", merchant="", whole_book=(STAFF,)),
        Action.REPORT: Reach(
            partner="", merchant="", whole_book=(Perm.MANAGE_PARTNERS, Perm.VIEW_COCKPIT)
        ),
    }


class LicenceType(models.TextChoices):
    """The partner's insurance intermediary licence (保险中介许可): only a licensed partner
    may be paid a commission or a referral fee (docs/commissions.md, ADR 0017)."""

    PROFESSIONAL_AGENCY = "professional_agency", _("专业代理 / Professional agency")
    SIDELINE_AGENCY = "sideline_agency", _("兼业代理 / Sideline agency")
    BROKER = "broker", _("经纪 / Broker")
    INDIVIDUAL_AGENT = "individual_agent", _("个人代理人 / Individual agent")
    UNLICENSED = "unlicensed", _("无资质 / Unlicensed")


class Partner(TimeStampedModel):
    """A 4S shop, repair shop, used-car dealer, intermediary, merchant or life insurer."""

    code = models.CharField(_("编码 / code"), max_length=32, unique=True)
    name = models.CharField(_("名称 / name"), max_length=128)
    kind = models.CharField(_("类型 / kind"), max_length=24, choices=PartnerKind.choices)
    uscc = models.CharField(
        _("统一社会信用代码 / USCC"), max_length=18, blank=True, validators=[validate_uscc]
    )
    brand = models.CharField(_("品牌 / brand"), max_length=32, blank=True)
    city = models.CharField(_("城市 / city"), max_length=32, blank=True)
    address = models.CharField(_("地址 / address"), max_length=255, blank=True)
    service_phone = models.CharField(_("服务电话 / service phone"), max_length=32, blank=True)
    active = models.BooleanField(_("有效 / active"), default=True)
    # Unlicensed until a licence is recorded: no commission, no referral fee (ADR 0017).
    licence_type = models.CharField(
        _("中介资质 / licence type"),
        max_length=24,
        choices=LicenceType.choices,
        default=LicenceType.UNLICENSED,
    )

    objects = PartnerQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kind", "city"])]

    def __str__(self) -> str:
        return self.name

    @property
    def licensed(self) -> bool:
        """May be paid a commission or a referral fee (holds an intermediary licence)."""
        return self.licence_type != LicenceType.UNLICENSED


class PhoneMixin(models.Model):
    """Mobile number encrypted, blind-indexed, masked, with the last four for suffix search."""

    phone_encrypted = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True)
    phone_masked = models.CharField(_("手机 / mobile"), max_length=16, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True, db_index=True)

    class Meta:
        abstract = True

    def set_phone(self, phone: str) -> None:
        """``phone`` must already be validated and normalised (core.validators.check_mobile)."""
        self.phone_encrypted = pii.encrypt(phone) if phone else ""
        self.phone_hash = pii.blind_index(phone) if phone else ""
        self.phone_masked = pii.mask_phone(phone) if phone else ""
        self.phone_last4 = phone[-4:] if phone else ""


class PartnerContact(PhoneMixin):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名 / name"), max_length=64)
    title = models.CharField(_("职务 / title"), max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class CustomerQuerySet(RestrictedQuerySet):
    reach = {
        # A partner sees the customers of the policies it brought (masked), not their rows.
        Action.VIEW: Reach(customer="", partner="policies__partner"),
        Action.CHANGE: Reach(customer="", needs=Perm.EDIT_CUSTOMERS),
        Action.REVEAL: Reach(customer="", needs=Perm.REVEAL_PII),
    }

    def search_phone(self, phone: str):
        # Under every key the deployment reads: rows a rotation has not reached yet are found.
        return self.filter(phone_hash__in=pii.blind_indexes(phone))

    def search_id_number(self, id_number: str):
        return self.filter(id_number_hash__in=pii.blind_indexes(id_number))


class Customer(PhoneMixin, TimeStampedModel):
    """A policyholder: a person or a company. Consent and do-not-call are honoured everywhere."""

    customer_no = models.CharField(_("客户号 / customer no."), max_length=32, unique=True)
    kind = models.CharField(
        _("类型 / kind"), max_length=8, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    name = models.CharField(_("姓名/名称 / name"), max_length=128, db_index=True)
    gender = models.CharField(_("性别 / gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期 / birth date"), null=True, blank=True)
    id_number_encrypted = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=40, blank=True, db_index=True)
    id_number_masked = models.CharField(_("证件号 / ID number"), max_length=24, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码 / USCC"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
        help_text=_("企业客户 / companies only; public, not personal data"),
    )
    province = models.CharField(_("省份 / province"), max_length=16, blank=True)
    city = models.CharField(_("城市 / city"), max_length=32, blank=True)
    address = models.CharField(_("地址 / address"), max_length=255, blank=True)
    marketing_consent = models.BooleanField(
        _("同意营销联系 / consents to marketing"),
        default=False,
        help_text=_("明示同意，沉默不等于同意 / explicit; silence is not consent"),
    )
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    do_not_call_until = models.DateField(
        _("免打扰至 / do not call until"),
        null=True,
        blank=True,
        help_text=_("拒绝后进入免打扰名单 / set when the customer refuses calls"),
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("归属机构 / servicing unit"),
        help_text=_("客户归属的机构(通常为最近保单的出单机构) / the unit that serves the customer"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        verbose_name=_("负责人 / responsible staff"),
    )
    first_insured_on = models.DateField(_("首次投保 / first insured"), null=True, blank=True)
    # PIPL: a deletion request the law's retention (保险法第87条) does not let us honour
    # becomes a restriction — kept, but used for nothing beyond the contract and the law.
    restricted_at = models.DateTimeField(
        _("限制处理 / processing restricted"), null=True, blank=True
    )
    anonymised_at = models.DateTimeField(_("已匿名化 / anonymised"), null=True, blank=True)
    source = models.CharField(
        _("来源 / source"),
        max_length=32,
        blank=True,
        help_text=_("generate / import:<file> / fremotor1 / manual"),
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["owner"]),
            models.Index(fields=["city"]),
            # The uniqueness check (API and importer) looks a USCC up across the book.
            models.Index(
                fields=["uscc"], name="parties_customer_uscc", condition=~models.Q(uscc="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_no})"

    def set_id_number(self, id_number: str) -> None:
        """``id_number`` must already be validated (core.validators.check_id_number)."""
        self.id_number_encrypted = pii.encrypt(id_number) if id_number else ""
        self.id_number_hash = pii.blind_index(id_number) if id_number else ""
        self.id_number_masked = pii.mask_id_number(id_number) if id_number else ""

    def display_name_for(self, user) -> str:
        """Partners and merchants see 张** rather than the full name."""
        if has_perm(user, Perm.REVEAL_PII) or getattr(user, "customer_id", None) == self.pk:
            return self.name
        if getattr(user, "is_insurer_staff", False):
            return self.name
        return pii.mask_name(self.name)


class VehicleQuerySet(RestrictedQuerySet):
    reach = customer_reach("owner", partner="policies__partner")


class Vehicle(TimeStampedModel):
    vehicle_no = models.CharField(
        _("车辆编号 / vehicle no."),
        max_length=32,
        unique=True,
        help_text=_("业务主键，导入时去重 / business key used by imports"),
    )
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="vehicles")
    plate = models.CharField(
        _("车牌号 / plate"),
        max_length=8,
        blank=True,
        db_index=True,
        validators=[validate_plate],
        help_text=_("新车未上牌可为空 / blank for a new car not yet registered"),
    )
    vin = models.CharField(
        _("车架号 / VIN"),
        max_length=17,
        blank=True,
        validators=[validate_vin],
        help_text=_("唯一；境外导入数据可为空 / unique; may be blank for imported foreign books"),
    )
    brand = models.CharField(_("品牌 / brand"), max_length=32, blank=True)
    model = models.CharField(_("车型 / model"), max_length=64, blank=True)
    first_registration = models.DateField(_("初登日期 / first registration"), null=True, blank=True)
    new_energy = models.BooleanField(_("新能源 / new energy"), default=False)
    use = models.CharField(
        _("使用性质 / use"), max_length=16, choices=VehicleUse.choices, default=VehicleUse.HOUSEHOLD
    )
    seats = models.PositiveSmallIntegerField(_("座位数 / seats"), default=5)
    displacement = models.DecimalField(
        _("排量(升) / engine size (litres)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("车船税按排量分档 / the vehicle tax band"),
    )
    energy = models.CharField(
        _("能源类型 / power source"), max_length=16, choices=Energy.choices, blank=True
    )
    price = MoneyField(_("新车购置价 / purchase price"), null=True, blank=True)
    vehicle_class = models.CharField(
        _("车辆等级 / class"),
        max_length=32,
        blank=True,
        help_text=_("imported rating classes, e.g. fremotor1 VehClass"),
    )

    objects = VehicleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vin"], condition=~models.Q(vin=""), name="vehicle_vin_unique"
            )
        ]

    def __str__(self) -> str:
        return self.plate or self.vin or self.vehicle_no
