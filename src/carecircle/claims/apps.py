from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "carecircle.claims"
    label = "claims"
    verbose_name = "理赔 / Claims"
