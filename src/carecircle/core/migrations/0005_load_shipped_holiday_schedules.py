"""Load the State Council holiday schedules shipped in core/holidays (2024-2026) so the claims
clocks count days off from the first deploy; later years are loaded by an administrator with
``carecircle calendar load YEAR`` (idempotent, so running it for a shipped year is harmless).
A year already loaded is left as it is."""

from django.db import migrations
from django.utils import timezone

from carecircle.core import holidays


def load(apps, schema_editor):
    HolidayYear = apps.get_model("core", "HolidayYear")
    HolidayDay = apps.get_model("core", "HolidayDay")
    for year, path in holidays.shipped().items():
        if HolidayYear.objects.filter(year=year).exists():
            continue
        s = holidays.read(path)
        row = HolidayYear.objects.create(
            year=year, source=s.source, url=s.url, loaded_at=timezone.now(), loaded_by="migration"
        )
        HolidayDay.objects.bulk_create(
            [HolidayDay(schedule=row, date=d, kind="off", name=n[:64]) for d, n in s.off.items()]
            + [
                HolidayDay(schedule=row, date=d, kind="working", name=n[:64])
                for d, n in s.working.items()
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_work_calendar")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
