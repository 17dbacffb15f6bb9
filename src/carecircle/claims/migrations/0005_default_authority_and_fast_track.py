"""Default approval authority (approver ¥50,000, manager unlimited) and fast-track rule (≤ ¥5,000,
every tier); administrators change them in the admin."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    ApprovalAuthority = apps.get_model("claims", "ApprovalAuthority")
    FastTrackRule = apps.get_model("claims", "FastTrackRule")
    if not ApprovalAuthority.objects.exists():
        ApprovalAuthority.objects.create(role="claims_approver", limit=Decimal("50000.00"), level=1)
        ApprovalAuthority.objects.create(role="manager", limit=None, level=2)
    if not FastTrackRule.objects.exists():
        FastTrackRule.objects.create(
            name="默认快赔规则 / default fast track",
            max_amount=Decimal("5000.00"),
            allowed_tiers=["diamond", "platinum", "gold", "silver", "standard"],
            tier_max_amounts={},
            require_clear_liability=True,
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_workflow_clocks_payments_network")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
