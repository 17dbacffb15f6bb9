from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "carecircle.parties"
    label = "parties"
    verbose_name = "当事人 / Parties"
