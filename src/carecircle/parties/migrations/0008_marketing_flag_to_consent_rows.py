"""The old ``Customer.marketing_consent`` flag becomes consent rows: for each customer with the
flag set, a grant on every marketing channel (phone, SMS, WeChat, e-mail) with source
``migration`` and wording ``marketing-legacy``, given at ``marketing_consent_at`` (else when the
customer was created), and the current state to match. Set-based SQL (two INSERT … SELECT), so
a book of a million customers migrates in seconds; the flag itself stays, now a cached summary
kept by ``parties.consent``. Reversible: the migrated rows are removed."""

from django.db import migrations
from django.utils import timezone

CHANNELS = {
    "phone": "电话 / phone call",
    "sms": "短信 / SMS",
    "wechat": "微信 / WeChat",
    "email": "电子邮件 / e-mail",
}
TEXT = (
    "迁移前的“同意营销联系”标记（原文本未留存）/ the old “consents to marketing” flag (the "
    "wording shown then was not kept)"
)


def _channels_sql(quote):
    """A derived table of (channel, text): one SELECT per channel, UNION ALL."""
    rows = " UNION ALL ".join(
        f"SELECT CAST(%s AS TEXT) AS {quote('channel')}, CAST(%s AS TEXT) AS {quote('text')}"
        for _ in CHANNELS
    )
    params = []
    for channel, words in CHANNELS.items():
        params += [channel, f"{TEXT} ({words})"]
    return f"({rows})", params


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    channels, channel_params = _channels_sql(q)
    now = timezone.now()
    given = f"COALESCE(c.{q('marketing_consent_at')}, c.{q('created_at')})"
    # Identifiers are quoted names and the values parameters: nothing here comes from input.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {q("parties_consentevent")}
                ({q("customer_id")}, {q("purpose")}, {q("channel")}, {q("partner_id")},
                 {q("use")}, {q("key")}, {q("action")}, {q("source")}, {q("wording")},
                 {q("text")}, {q("at")}, {q("recorded_at")}, {q("recorded_by_id")})
            SELECT c.{q("id")}, 'marketing', ch.{q("channel")}, NULL, '',
                   'marketing:' || ch.{q("channel")}, 'grant', 'migration', 'marketing-legacy',
                   ch.{q("text")}, {given}, %s, NULL
            FROM {q("parties_customer")} c CROSS JOIN {channels} ch
            WHERE c.{q("marketing_consent")} = %s""",  # noqa: S608 (quoted names, parameters)
            [now, *channel_params, True],
        )
        cursor.execute(
            f"""INSERT INTO {q("parties_consent")}
                ({q("customer_id")}, {q("purpose")}, {q("channel")}, {q("partner_id")},
                 {q("use")}, {q("key")}, {q("granted")}, {q("granted_at")},
                 {q("withdrawn_at")}, {q("source")}, {q("wording")})
            SELECT c.{q("id")}, 'marketing', ch.{q("channel")}, NULL, '',
                   'marketing:' || ch.{q("channel")}, %s, {given}, NULL, 'migration',
                   'marketing-legacy'
            FROM {q("parties_customer")} c CROSS JOIN {channels} ch
            WHERE c.{q("marketing_consent")} = %s""",  # noqa: S608 (quoted names, parameters)
            [True, *channel_params, True],
        )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in ("parties_consent", "parties_consentevent"):
            cursor.execute(f"DELETE FROM {q(table)} WHERE {q('source')} = 'migration'")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("parties", "0007_consent_events_and_state")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
