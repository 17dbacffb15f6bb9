"""Stored model versions: every fit of the risk or renewal model, with what it was fitted on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    RISK = "risk", _("风险模型(赔付成本) / risk (expected claim cost)")
    RENEWAL = "renewal", _("续保模型 / renewal")


class ModelVersion(models.Model):
    """One fitted model.  ``version`` counts up per kind; at most one active version per kind."""

    kind = models.CharField(_("模型类型 / kind"), max_length=16, choices=ModelKind.choices)
    name = models.CharField(_("名称 / name"), max_length=64)
    version = models.PositiveIntegerField(_("版本 / version"))
    created_at = models.DateTimeField(_("创建时间 / created"), auto_now_add=True)
    training_data_hash = models.CharField(_("训练数据指纹 / training data hash"), max_length=80)
    training_rows = models.PositiveIntegerField(_("训练行数 / training rows"), default=0)
    schema_version = models.PositiveSmallIntegerField(_("格式版本 / schema version"))
    metrics = models.JSONField(_("指标 / metrics"), default=dict)
    coefficients = models.JSONField(
        _("系数与相对系数 / coefficients and relativities"),
        default=dict,
        help_text=_("完整模型(可重新加载) / the full model dict, loadable for scoring"),
    )
    parameters = models.JSONField(_("参数 / parameters"), default=dict)
    is_active = models.BooleanField(_("在用 / active"), default=False)

    class Meta:
        verbose_name = _("模型版本 / model version")
        verbose_name_plural = _("模型版本 / model versions")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="value_model_kind_version"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(is_active=True),
                name="value_model_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.name})"
