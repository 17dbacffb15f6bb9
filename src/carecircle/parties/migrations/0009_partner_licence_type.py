"""Partners carry an intermediary licence type (ADR 0017). New partners are unlicensed until
a licence is recorded; the partners already on the books get the licence their kind usually
holds — intermediaries a professional agency licence (专业代理), 4S shops, used-car dealers and
life insurers (cross-selling) a sideline agency licence (兼业代理); repair shops and merchants
stay unlicensed (they are paid for repairs and services, never commissions). A manager
corrects any partner whose licence differs."""

from django.db import migrations, models

BY_KIND = {
    "intermediary": "professional_agency",
    "four_s_shop": "sideline_agency",
    "used_car_dealer": "sideline_agency",
    "life_insurer": "sideline_agency",
}


def forwards(apps, schema_editor):
    Partner = apps.get_model("parties", "Partner")
    for kind, licence in BY_KIND.items():
        Partner.objects.filter(kind=kind).update(licence_type=licence)


class Migration(migrations.Migration):
    dependencies = [("parties", "0008_marketing_flag_to_consent_rows")]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="licence_type",
            field=models.CharField(
                choices=[
                    ("professional_agency", "专业代理 / Professional agency"),
                    ("sideline_agency", "兼业代理 / Sideline agency"),
                    ("broker", "经纪 / Broker"),
                    ("individual_agent", "个人代理人 / Individual agent"),
                    ("unlicensed", "无资质 / Unlicensed"),
                ],
                default="unlicensed",
                max_length=24,
                verbose_name="中介资质 / licence type",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
