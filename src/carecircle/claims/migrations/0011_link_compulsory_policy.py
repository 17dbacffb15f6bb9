"""Existing claims: link the 交强险 the vehicle had in force on the accident day (Beijing time)
so the adjustment pays it first (issue #14). One set-based UPDATE with a correlated subquery on
the policies' (vehicle, kind, effective_date) index — no Python loop over 100k claims. Claims
already linked, and claims filed on the 交强险 itself (it is linked as well), are handled
alike; a vehicle with no 交强险 then stays unlinked."""

from django.db import migrations
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate


def in_force_compulsory(Policy):
    # The accident's local date (TIME_ZONE, Asia/Shanghai), as the report service counts it.
    day = TruncDate(ExpressionWrapper(OuterRef("accident_at"), output_field=DateTimeField()))
    return (
        Policy.objects.filter(
            vehicle_id=OuterRef("vehicle_id"),
            kind="compulsory",
            effective_date__lte=day,
            expiry_date__gt=day,
        )
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
        .order_by("-effective_date", "-pk")
        .values("pk")[:1]
    )


def link(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Policy = apps.get_model("policies", "Policy")
    found = in_force_compulsory(Policy)
    Claim.objects.filter(compulsory_policy__isnull=True).filter(Exists(found)).update(
        compulsory_policy=Subquery(found)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_rules_fields"),
        ("policies", "0001_initial"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop, elidable=True)]
