"""Only one value run may be ``running`` at a time (#21 review): two runs starting together
both passed the "is one running?" check and both ran.  Existing data may hold several
``running`` rows (runs killed before heartbeats existed): all but the newest are marked
``abandoned`` first — their rows are not current and the next run purges them."""

from django.db import migrations, models
from django.utils import timezone

REASON = (
    "abandoned: another run was also running when only one running run became the rule"
    " / 同时存在多个运行中的批次，已放弃"
)


def abandon_all_but_the_newest_running(apps, schema_editor):
    ValueRun = apps.get_model("value", "ValueRun")
    running = ValueRun.objects.filter(status="running").order_by("-started_at", "-id")
    older = list(running.values_list("id", flat=True)[1:])
    if older:
        ValueRun.objects.filter(id__in=older).update(
            status="abandoned", finished_at=timezone.now(), error=REASON
        )


class Migration(migrations.Migration):
    dependencies = [
        ("value", "0006_run_heartbeat_and_abandoned"),
    ]

    operations = [
        migrations.RunPython(abandon_all_but_the_newest_running, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="valuerun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="value_one_running_run",
            ),
        ),
    ]
