"""A weather alert for a big city: upload the file, run the weather rule, deliver — timed, with
the number of SQL statements, to show the send is bulk (no per-customer queries).

Moves ``--customers`` insured customers (a policy in force) into one city, makes 2% of them
unsubscribe from service notices and puts 1% at the daily cap, uploads a one-row alert file for
tomorrow through ``reminders.upload_weather``, then runs ``reminders.run(today,
["weather_alert"])`` (notify's ``send_many``: consent, unsubscribe, caps, quiet hours, dedupe
and the log) and lets the messages be delivered on commit to the local SMS/WeChat sink. A
second run checks that nothing is sent twice. Prints ONE JSON object on the LAST line.

It writes (customers' city, messages), so run it on a scratch database::

    createdb -h 127.0.0.1 -U root helper_eco_weather
    export DATABASE_URL=postgres://root@127.0.0.1:5432/helper_eco_weather
    uv run carecircle migrate && uv run carecircle generate --customers 60000 --into-db
    uv run python benchmarks/ecosystem_weather.py --customers 50000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from carecircle.core import clock  # noqa: E402
from carecircle.core.models import User  # noqa: E402
from carecircle.ecosystem import reminders  # noqa: E402
from carecircle.ecosystem.models import WeatherAlert  # noqa: E402
from carecircle.notify.models import Message, OutboxEntry, Unsubscribe  # noqa: E402
from carecircle.parties.models import Customer  # noqa: E402
from carecircle.policies.models import Policy  # noqa: E402

CITY = "基准市"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50_000)
    args = parser.parse_args()
    # Mid-morning, outside the quiet hours, so every accepted message is delivered at once.
    moment = clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
    today = moment.date()
    with clock.frozen_at(moment):
        insured = list(
            Customer.objects.filter(pk__in=Policy.objects.in_force_on(today).values("customer_id"))
            .order_by("pk")
            .values_list("pk", flat=True)[: args.customers]
        )
        if len(insured) < args.customers:
            raise SystemExit(f"only {len(insured)} insured customers; generate a bigger book")
        Customer.objects.filter(pk__in=insured).update(city=CITY)
        Message.objects.filter(kind__in=["weather_alert", "generic"]).delete()
        WeatherAlert.objects.filter(city=CITY).delete()
        Unsubscribe.objects.filter(customer_id__in=insured).delete()
        Unsubscribe.objects.bulk_create(
            [Unsubscribe(customer_id=pk, purpose="service", at=moment) for pk in insured[::50]]
        )
        capped = insured[1::100]
        Message.objects.bulk_create(
            [
                Message(
                    customer_id=pk,
                    kind="generic",
                    purpose="service",
                    channel="sms",
                    status="sent",
                    subject="s",
                    body="b",
                    created_at=moment - dt.timedelta(hours=1),
                )
                for pk in capped
                for _ in range(3)
            ],
            batch_size=2000,
        )
        user = User.objects.filter(is_active=True).order_by("pk").first()
        tomorrow = today + dt.timedelta(days=1)
        started = time.perf_counter()
        upload = reminders.upload_weather(
            f"city,date,level,warning,warning_en\n{CITY},{tomorrow},红色,暴雨红色预警,"
            "Red rainstorm warning\n",
            acting_user=user,
        )
        upload_s = time.perf_counter() - started
        if upload.errors:
            raise SystemExit(upload.errors)
        print(f"uploaded in {upload_s:.2f} s; sending to {len(insured):,} customers …")
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            with transaction.atomic():  # delivery runs on commit, as in production
                run = reminders.run(today, ["weather_alert"])
            send_s = time.perf_counter() - started
        counts = run.counts["weather_alert"]
        outbox = OutboxEntry.objects.filter(message__kind="weather_alert").count()
        started = time.perf_counter()
        again = reminders.run(today, ["weather_alert"]).counts["weather_alert"]
        again_s = time.perf_counter() - started
    result = {
        "benchmark": "ecosystem_weather",
        "database": connection.vendor,
        "customers_in_city": len(insured),
        "upload_s": round(upload_s, 3),
        "rule_and_delivery_s": round(send_s, 2),
        "messages_per_s": round(len(insured) / send_s),
        "sql_statements": len(queries),
        "sql_per_1000_customers": round(len(queries) / len(insured) * 1000, 1),
        "outcomes": counts,
        "delivered_to_outbox": outbox,
        "second_run": again,
        "second_run_s": round(again_s, 2),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
