"""Payees and the bank (issue #16, ADR 0016): who a claim pays (the insured, a repair shop for
direct settlement, an injured third party, a hospital), the bank accounts they are paid into
(number encrypted, blind-indexed and masked like a phone; verified by a small confirmation
amount or a handler's call-back, or shown unverified), the batch files sent to the bank and
the bank's return files imported back.

Scope (ADR 0014): claims staff see the payees of their unit's subtree; a repair shop's user
sees only its own shop's payee and accounts. Nobody else sees any."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core import pii
from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.money import ZERO, MoneyField
from carecircle.core.roles import Perm

from ..choices import AccountStatus, Payee, VerificationMethod


def _staff_or_shop(unit: str, shop: str) -> dict[Action, Reach]:
    reach = Reach(unit=unit, partner=shop, whole_book=(Perm.HANDLE_CLAIMS,))
    return {Action.VIEW: reach, Action.CHANGE: reach}


class PaymentPayeeQuerySet(RestrictedQuerySet):
    reach = _staff_or_shop("unit", "shop")


class PaymentPayee(models.Model):
    """收款人: one per insured customer and per shop; third parties and hospitals by name (and
    a third party's ID number, encrypted)."""

    kind = models.CharField(_("收款方类型 / payee"), max_length=12, choices=Payee.choices)
    customer = models.ForeignKey(
        "parties.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被保险人 / the insured"),
    )
    shop = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("修理厂 / repair shop"),
    )
    # A third party is recorded on the claim whose accident injured them.
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="payees"
    )
    name = models.CharField(_("名称 / name"), max_length=128)
    id_number_encrypted = models.TextField(blank=True)
    id_number_masked = models.CharField(_("证件号 / ID number"), max_length=32, blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("机构 / unit"),
    )
    created_at = models.DateTimeField(_("创建时间 / created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PaymentPayeeQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(kind="customer"), name="payee_one_per_insured"
            ),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(kind="shop"), name="payee_one_per_shop"
            ),
            models.CheckConstraint(
                condition=(Q(kind="customer") & Q(customer__isnull=False))
                | (Q(kind="shop") & Q(shop__isnull=False))
                | Q(kind__in=["third_party", "hospital"]),
                name="payee_kind_names_its_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def set_id_number(self, id_number: str) -> None:
        self.id_number_encrypted = pii.encrypt(id_number) if id_number else ""
        self.id_number_masked = pii.mask_id_number(id_number) if id_number else ""


def mask_account(number: str) -> str:
    """6222 **** **** 1234: the first four and the last four digits."""
    return f"{number[:4]} **** **** {number[-4:]}" if len(number) > 8 else "****"


class BankAccountQuerySet(RestrictedQuerySet):
    reach = _staff_or_shop("payee__unit", "payee__shop")


class BankAccount(models.Model):
    """收款账户. The number is stored encrypted, blind-indexed and masked; only the batch file
    (itself stored encrypted) ever holds it in full."""

    payee = models.ForeignKey(PaymentPayee, on_delete=models.PROTECT, related_name="accounts")
    number_encrypted = models.TextField()
    number_hash = models.CharField(max_length=40, db_index=True)
    number_masked = models.CharField(_("账号 / account no."), max_length=24)
    holder_name = models.CharField(_("户名 / account holder"), max_length=128)
    bank_code = models.CharField(
        _("银行代码 / bank code"),
        max_length=16,
        help_text=_("批量文件按此选择格式 / picks the batch layout, e.g. ICBC"),
    )
    bank_name = models.CharField(_("开户行 / bank"), max_length=128)
    branch_code = models.CharField(
        _("联行号 / branch code (CNAPS)"),
        max_length=12,
        blank=True,
        help_text=_("12位 / 12 digits"),
    )
    status = models.CharField(
        _("核验 / verification"),
        max_length=12,
        choices=AccountStatus.choices,
        default=AccountStatus.UNVERIFIED,
    )
    # Penny test: a small amount is sent to the account; the payee reads it back. Only its
    # blind index is kept, so a handler cannot read it off the page.
    confirm_amount_hash = models.CharField(max_length=40, blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    verification_method = models.CharField(
        _("核验方式 / verified by"), max_length=12, choices=VerificationMethod.choices, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("核验时间 / verified at"), null=True, blank=True)
    verification_note = models.CharField(_("核验说明 / note"), max_length=255, blank=True)
    active = models.BooleanField(
        _("可用 / in use"), default=True, help_text=_("银行退回后停用 / retired after a return")
    )
    created_at = models.DateTimeField(_("创建时间 / created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.number_masked}"

    def set_number(self, number: str) -> None:
        """``number`` already normalised (digits only)."""
        self.number_encrypted = pii.encrypt(number)
        self.number_hash = pii.blind_index(f"account:{number}")
        self.number_masked = mask_account(number)

    def number(self) -> str:
        """The full number — for the batch file only."""
        return pii.decrypt(self.number_encrypted)

    @property
    def verified(self) -> bool:
        return self.status == AccountStatus.VERIFIED


class PaymentBatchQuerySet(RestrictedQuerySet):
    reach = {Action.VIEW: Reach(unit="unit", whole_book=(Perm.HANDLE_CLAIMS,))}


class PaymentBatch(models.Model):
    """One file sent to the bank: who made it, when, its SHA-256, how many lines, the total.
    ``content`` is encrypted (``seal`` / ``file_bytes``): it holds full account numbers."""

    bank_code = models.CharField(_("银行 / bank"), max_length=16)
    file_name = models.CharField(_("文件名 / file"), max_length=128)
    file_hash = models.CharField(_("文件摘要 / SHA-256"), max_length=64, unique=True)
    content = models.BinaryField(_("文件内容 / content"))
    encoding = models.CharField(_("编码 / encoding"), max_length=16)
    count = models.PositiveIntegerField(_("笔数 / lines"))
    total = MoneyField(_("总金额 / total"), default=ZERO)
    unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间 / made at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PaymentBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @staticmethod
    def seal(content: bytes, encoding: str) -> bytes:
        """The file as stored: encrypted like any personal data (it holds full account
        numbers); ``file_hash`` is the SHA-256 of the file itself."""
        return pii.encrypt(content.decode(encoding)).encode("ascii")

    def file_bytes(self) -> bytes:
        """The file as the bank gets it (decrypted; every download is audited by the view)."""
        return pii.decrypt(bytes(self.content).decode("ascii")).encode(self.encoding)


class BankReturnImportQuerySet(RestrictedQuerySet):
    reach = {Action.VIEW: Reach(unit="unit", whole_book=(Perm.HANDLE_CLAIMS,))}


class BankReturnImport(models.Model):
    """A return file from the bank, imported once (its SHA-256 is unique): what each line did."""

    bank_code = models.CharField(_("银行 / bank"), max_length=16)
    file_name = models.CharField(_("文件名 / file"), max_length=128)
    file_hash = models.CharField(_("文件摘要 / SHA-256"), max_length=64, unique=True)
    lines = models.PositiveIntegerField(_("行数 / lines"), default=0)
    confirmed = models.PositiveIntegerField(_("到账 / confirmed"), default=0)
    returned = models.PositiveIntegerField(_("退回 / returned"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化 / unchanged"), default=0)
    errors = models.JSONField(_("错误 / errors"), default=list, blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间 / imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BankReturnImportQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
