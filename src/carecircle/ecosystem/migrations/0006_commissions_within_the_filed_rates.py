"""Commissions within 报行合一 (ADR 0017): schedules, adjustments, statements and lines; the
agreement's one commission rate becomes the commercial base rate, and the new 交强险 rate is
the old rate capped at the law's 4 % (an agreement that applied 12 % to everything now pays
4 % on 交强险). A commercial rate above the filed rate is left as it was and refused at
calculation until a manager corrects it."""

import carecircle.core.money
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


CAP = Decimal("0.04")


def split_the_rate(apps, schema_editor):
    Agreement = apps.get_model("ecosystem", "Agreement")
    Agreement.objects.filter(commission_rate__isnull=False, commission_rate__lte=CAP).update(
        compulsory_commission_rate=models.F("commission_rate")
    )
    Agreement.objects.filter(commission_rate__gt=CAP).update(compulsory_commission_rate=CAP)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_underwriter_role"),
        ("ecosystem", "0005_book_month_per_unit"),
        ("parties", "0009_partner_licence_type"),
        ("policies", "0007_policy_parties_and_transfer_endorsements"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="compulsory_commission_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                verbose_name="交强险手续费率(≤4%) / 交强险 commission rate (at most 4 %)",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="commission_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                verbose_name="商业险手续费率(基准) / commercial commission base rate",
            ),
        ),
        migrations.CreateModel(
            name="CommissionSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="创建时间 / created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, verbose_name="更新时间 / updated"),
                ),
                (
                    "line",
                    models.CharField(
                        choices=[
                            ("compulsory", "交强险 / Compulsory"),
                            ("commercial", "商业险 / Commercial"),
                        ],
                        max_length=12,
                        verbose_name="险种 / line",
                    ),
                ),
                (
                    "product",
                    models.CharField(
                        blank=True,
                        help_text="空: 该险种的标准产品 / empty: the line's standard product",
                        max_length=32,
                        verbose_name="备案产品 / filed product",
                    ),
                ),
                (
                    "base_rate",
                    models.DecimalField(
                        decimal_places=4, max_digits=6, verbose_name="基准费率 / base rate"
                    ),
                ),
                ("starts_on", models.DateField(verbose_name="起始日 / starts on")),
                (
                    "ends_on",
                    models.DateField(
                        blank=True, null=True, verbose_name="终止日(含) / ends on (inclusive)"
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="有效 / active")),
                (
                    "notes",
                    models.CharField(blank=True, max_length=255, verbose_name="备注 / notes"),
                ),
                (
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commission_schedules",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="销售代理人 / sales agent",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commission_schedules",
                        to="parties.partner",
                        verbose_name="合作伙伴 / partner",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.orgunit",
                        verbose_name="签约机构 / contracting unit",
                    ),
                ),
            ],
            options={
                "ordering": ["partner_id", "agent_id", "line", "-starts_on"],
            },
        ),
        migrations.CreateModel(
            name="CommissionAdjustment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "segment",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("new", "新保 / New business"),
                            ("renewal", "续保 / Renewal"),
                            ("transfer_in", "转保 / Transfer-in"),
                        ],
                        max_length=12,
                        verbose_name="客户类型 / segment",
                    ),
                ),
                (
                    "basis",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("customer", "客户赔付率 / The customer's loss ratio"),
                            ("payee", "渠道赔付率 / The partner's or agent's loss ratio"),
                        ],
                        max_length=12,
                        verbose_name="赔付率口径 / loss ratio of",
                    ),
                ),
                (
                    "band",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("low", "低赔付 / Low loss"),
                            ("normal", "正常赔付 / Normal loss"),
                            ("high", "高赔付 / High loss"),
                            ("none", "无记录 / No record"),
                        ],
                        max_length=8,
                        verbose_name="赔付率区间 / loss band",
                    ),
                ),
                (
                    "delta",
                    models.DecimalField(
                        decimal_places=4, max_digits=6, verbose_name="费率调整 / rate change"
                    ),
                ),
                ("reason", models.CharField(max_length=128, verbose_name="理由 / reason")),
                (
                    "schedule",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="adjustments",
                        to="ecosystem.commissionschedule",
                    ),
                ),
            ],
            options={
                "ordering": ["schedule_id", "pk"],
            },
        ),
        migrations.CreateModel(
            name="CommissionStatement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="创建时间 / created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, verbose_name="更新时间 / updated"),
                ),
                (
                    "statement_no",
                    models.CharField(
                        max_length=40, unique=True, verbose_name="结算单号 / statement no."
                    ),
                ),
                (
                    "month",
                    models.DateField(help_text="该月1日 / first day", verbose_name="月份 / month"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "草稿 / Draft"),
                            ("approved", "已审批 / Approved"),
                            ("paid", "已支付 / Paid"),
                        ],
                        default="draft",
                        max_length=12,
                        verbose_name="状态 / status",
                    ),
                ),
                (
                    "premium",
                    carecircle.core.money.MoneyField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="计费保费 / premium",
                    ),
                ),
                (
                    "total",
                    carecircle.core.money.MoneyField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="手续费合计 / total",
                    ),
                ),
                (
                    "lines_count",
                    models.PositiveIntegerField(default=0, verbose_name="笔数 / lines"),
                ),
                ("approved_at", models.DateTimeField(blank=True, null=True)),
                ("paid_at", models.DateTimeField(blank=True, null=True)),
                (
                    "payment_ref",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="付款凭证号 / payment reference"
                    ),
                ),
                (
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commission_statements",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "paid_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commission_statements",
                        to="parties.partner",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.orgunit",
                        verbose_name="结算机构 / settling unit",
                    ),
                ),
            ],
            options={
                "ordering": ["-month", "statement_no"],
            },
        ),
        migrations.CreateModel(
            name="CommissionLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("commission", "手续费 / Commission"),
                            ("clawback", "退保追回 / Clawback on cancellation"),
                        ],
                        max_length=12,
                        verbose_name="类型 / kind",
                    ),
                ),
                (
                    "line",
                    models.CharField(
                        choices=[
                            ("compulsory", "交强险 / Compulsory"),
                            ("commercial", "商业险 / Commercial"),
                        ],
                        max_length=12,
                        verbose_name="险种 / line",
                    ),
                ),
                (
                    "segment",
                    models.CharField(
                        choices=[
                            ("new", "新保 / New business"),
                            ("renewal", "续保 / Renewal"),
                            ("transfer_in", "转保 / Transfer-in"),
                        ],
                        max_length=12,
                        verbose_name="客户类型 / segment",
                    ),
                ),
                (
                    "premium",
                    carecircle.core.money.MoneyField(
                        decimal_places=2,
                        help_text="追回: 退还的保费 / clawback: the premium refunded",
                        max_digits=14,
                        verbose_name="计费保费 / premium",
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(decimal_places=4, max_digits=6, verbose_name="费率 / rate"),
                ),
                (
                    "amount",
                    carecircle.core.money.MoneyField(
                        decimal_places=2, max_digits=14, verbose_name="金额 / amount"
                    ),
                ),
                (
                    "reason",
                    models.CharField(max_length=500, verbose_name="费率依据 / why this rate"),
                ),
                ("written_on", models.DateField(verbose_name="日期 / on")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "agreement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ecosystem.agreement",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commission_lines",
                        to="policies.policy",
                    ),
                ),
                (
                    "schedule",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ecosystem.commissionschedule",
                    ),
                ),
                (
                    "statement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="ecosystem.commissionstatement",
                    ),
                ),
            ],
            options={
                "ordering": ["statement_id", "written_on", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="commissionschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("agent__isnull", True), ("partner__isnull", False)),
                    models.Q(("agent__isnull", False), ("partner__isnull", True)),
                    _connector="OR",
                ),
                name="commission_schedule_one_payee",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__isnull", True),
                    ("ends_on__gte", models.F("starts_on")),
                    _connector="OR",
                ),
                name="commission_schedule_ends_after_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(("base_rate__gte", 0)),
                name="commission_schedule_rate_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionadjustment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("band", ""), models.Q(("basis", ""), _negated=True), _connector="OR"
                ),
                name="commission_adjustment_band_has_basis",
            ),
        ),
        migrations.AddIndex(
            model_name="commissionstatement",
            index=models.Index(fields=["month", "status"], name="eco_cs_month_status"),
        ),
        migrations.AddConstraint(
            model_name="commissionstatement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("agent__isnull", True), ("partner__isnull", False)),
                    models.Q(("agent__isnull", False), ("partner__isnull", True)),
                    _connector="OR",
                ),
                name="commission_statement_one_payee",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionstatement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("partner__isnull", False)),
                fields=("partner", "month"),
                name="commission_statement_once_per_partner",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionstatement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("agent__isnull", False)),
                fields=("agent", "month"),
                name="commission_statement_once_per_agent",
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionline",
            constraint=models.UniqueConstraint(
                fields=("policy", "kind"), name="commission_line_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="commissionline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "commission"), ("amount__gte", 0)),
                    models.Q(("kind", "clawback"), ("amount__lte", 0)),
                    _connector="OR",
                ),
                name="commission_line_sign",
            ),
        ),
        migrations.RunPython(split_the_rate, migrations.RunPython.noop, elidable=False),
    ]
