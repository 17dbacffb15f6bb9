# The list effect each listed customer carries (#16, ADR 0018).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0009_partner_licence_type'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerListFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('grey', '灰名单 / Grey list'), ('black', '黑名单 / Black list')], max_length=8, verbose_name='名单 / list')),
                ('entry_id', models.PositiveIntegerField(db_index=True, verbose_name='名单记录 / list entry')),
                ('reasons', models.CharField(blank=True, max_length=255, verbose_name='原因代码 / reason codes')),
                ('reasons_text', models.TextField(blank=True, verbose_name='原因 / reasons')),
                ('since', models.DateTimeField(verbose_name='生效于 / in force since')),
                ('expires_on', models.DateField(blank=True, null=True, verbose_name='到期日 / expires on')),
                ('under_appeal', models.BooleanField(default=False, verbose_name='申诉中 / under appeal')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('customer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='list_flag', to='parties.customer')),
            ],
            options={
                'verbose_name': '名单效力 / list effect',
                'verbose_name_plural': '名单效力 / list effects',
            },
        ),
    ]
