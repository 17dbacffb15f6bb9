from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间 / created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间 / updated"), auto_now=True)

    class Meta:
        abstract = True


class UnitLevel(models.TextChoices):
    HEAD_OFFICE = "head", _("总公司 / head office")
    PROVINCE = "province", _("分公司 / provincial branch")
    CITY = "city", _("中心支公司 / city branch")
    SUB_BRANCH = "sub", _("支公司/营业部 / sub-branch")


class OrgUnit(models.Model):
    """A unit of the insurer (机构): head office → 分公司 → 中心支公司 → 支公司/营业部.

    ``path`` is the chain of codes from the root (``/000000/330000/330100/``), so a unit's
    subtree is one ``path__startswith`` and scopes never walk the tree row by row. Units are
    moved only through ``core.org.move_unit`` (audited; rewrites the subtree's paths).
    """

    code = models.CharField(
        _("机构代码 / unit code"),
        max_length=16,
        unique=True,
        help_text=_("核心系统的机构代码 / the code the core system uses"),
    )
    name = models.CharField(_("机构名称 / name"), max_length=64)
    level = models.CharField(_("层级 / level"), max_length=8, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    province = models.CharField(_("省份 / province"), max_length=16, blank=True)
    city = models.CharField(_("城市 / city"), max_length=32, blank=True)
    active = models.BooleanField(_("有效 / active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("机构 / organisation unit")
        verbose_name_plural = _("机构 / organisation units")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        if not self.path:
            prefix = self.parent.path if self.parent is not None else "/"
            self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def subtree(self):
        return OrgUnit.objects.filter(path__startswith=self.path)


class User(AbstractUser):
    """A login: insurer staff, a partner's or merchant's staff, or a customer."""

    role = models.CharField(
        _("角色 / role"), max_length=32, choices=Role.choices, default=Role.SEAT
    )
    display_name = models.CharField(_("显示名 / display name"), max_length=64, blank=True)
    employee_no = models.CharField(_("工号 / employee no."), max_length=32, blank=True)
    licence_no = models.CharField(
        _("执业证号 / practising licence no."),
        max_length=64,
        blank=True,
        help_text=_("坐席和代理人通话时须告知 / stated by seats and agents on every sales call"),
    )
    team = models.ForeignKey(
        "parties.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属机构 / unit"),
        help_text=_("员工看到本机构及下级机构的数据 / staff see their unit and the units below it"),
    )
    partner = models.ForeignKey(
        "parties.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_(
            "合作伙伴或商户用户所属机构 / the partner or merchant a partner user works for"
        ),
    )
    customer = models.OneToOneField(
        "parties.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="login"
    )

    @property
    def is_insurer_staff(self) -> bool:
        return self.is_superuser or self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditLog(models.Model):
    """Who changed or viewed what. Append-only; never updated or deleted by the application."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建 / create")
        UPDATE = "update", _("修改 / update")
        DELETE = "delete", _("删除 / delete")
        VIEW = "view", _("查看 / view")
        REVEAL_PII = "reveal_pii", _("查看完整个人信息 / reveal personal data")
        IMPORT = "import", _("导入 / import")
        DENIED = "denied", _("拒绝访问 / access denied")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The lookup brake counts one user's answers of a kind in the last hour
            # (parties/throttle.py): an index scan however long the trail grows.
            models.Index(fields=["actor", "object_type", "at"], name="core_audit_actor_kind_at"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"


# ----------------------------------------------------------------------------- API access

TOKEN_PREFIX = "cc_"  # noqa: S105 - a public marker, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称 / name"), max_length=64)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("前缀 / prefix"), max_length=12, editable=False, help_text=_("用于识别 / to recognise it")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(_("已吊销 / revoked"), default=False)

    class Meta:
        db_table = "api_apitoken"  # the table kept its name when the model moved to core

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10]
        )
        return token, raw


class IdempotencyKey(models.Model):
    """Same key from the same user on a create → the object created the first time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    scope = models.CharField(max_length=64, help_text="app_label.model of the created object")
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "api_idempotencykey"  # the table kept its name when the model moved to core
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.scope}#{self.object_id}"


# ----------------------------------------------------------------------------- work calendar


class HolidayYear(models.Model):
    """One year's State Council holiday schedule as loaded (``carecircle calendar load``): the
    work calendar the claims clocks use is built from these rows (``core.workdays``)."""

    year = models.PositiveSmallIntegerField(_("年度 / year"), unique=True)
    source = models.CharField(_("来源 / source"), max_length=255)
    url = models.URLField(_("原文 / published at"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("导入时间 / loaded at"))
    loaded_by = models.CharField(_("导入人 / loaded by"), max_length=150, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("节假日安排 / holiday schedule")
        verbose_name_plural = _("节假日安排 / holiday schedules")

    def __str__(self) -> str:
        return str(self.year)


class HolidayDay(models.Model):
    """A day the schedule sets apart from an ordinary week: a holiday (off) or a 调休 working
    weekend. Every other day is a weekday (working) or a weekend (off)."""

    class Kind(models.TextChoices):
        OFF = "off", _("放假 / day off")
        WORKING = "working", _("调休上班 / working day")

    schedule = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期 / date"), unique=True)
    kind = models.CharField(_("类型 / kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("节日 / holiday"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日 / holiday day")
        verbose_name_plural = _("节假日 / holiday days")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class WorkerHeartbeat(models.Model):
    """A task worker's lease (core.jobs): renewed every few seconds by the worker's heartbeat
    thread; a worker not seen for ``WORKER_DEAD_AFTER_SECONDS`` is dead and its RUNNING task
    is requeued (or failed after ``TASK_MAX_ATTEMPTS``) by the next live worker."""

    worker_id = models.CharField(_("工作进程 / worker id"), max_length=64, primary_key=True)
    pid = models.PositiveIntegerField(_("进程号 / pid"), null=True, blank=True)
    host = models.CharField(_("主机 / host"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("启动 / started"), auto_now_add=True)
    seen_at = models.DateTimeField(_("最近心跳 / last seen"), db_index=True)

    class Meta:
        verbose_name = _("工作进程心跳 / worker heartbeat")
        verbose_name_plural = _("工作进程心跳 / worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} seen {self.seen_at:%F %T}"
