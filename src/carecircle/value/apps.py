from django.apps import AppConfig


class ValueConfig(AppConfig):
    name = "carecircle.value"
    label = "value"
    verbose_name = "客户价值 / Customer value"
