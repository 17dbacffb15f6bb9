"""Lists that act (#16): every customer with a list entry in force gets its effect row
(parties.CustomerListFlag) — the strongest entry (black over grey, then the latest decided).
`carecircle value lists` does the same at any time."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

from carecircle.value.services.list_effects import reason_words


def backfill(apps, schema_editor):
    ListEntry = apps.get_model("value", "ListEntry")
    ListEvent = apps.get_model("value", "ListEvent")
    Flag = apps.get_model("parties", "CustomerListFlag")
    today = dt.date.today()
    best = {}
    for entry in ListEntry.objects.filter(
        status__in=("active", "appealed"), expires_on__gte=today
    ).order_by("customer_id", "id"):
        key = (entry.kind == "black", entry.decided_at or entry.proposed_at, entry.pk)
        have = best.get(entry.customer_id)
        if have is None or key > have[0]:
            best[entry.customer_id] = (key, entry)
    for customer_id, (_key, entry) in best.items():
        note = (
            ListEvent.objects.filter(entry_id=entry.pk, action="approve")
            .order_by("-at", "-id")
            .values_list("note", flat=True)
            .first()
        ) or ""
        Flag.objects.update_or_create(
            customer_id=customer_id,
            defaults={
                "kind": entry.kind,
                "entry_id": entry.pk,
                "reasons": entry.reasons[:255],
                "reasons_text": reason_words(entry.kind, entry.reasons, entry.evidence, note),
                "since": entry.decided_at or timezone.now(),
                "expires_on": entry.expires_on,
                "under_appeal": entry.status == "appealed",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("value", "0004_black_list_keeps_compulsory"),
        ("parties", "0010_customer_list_flag"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
