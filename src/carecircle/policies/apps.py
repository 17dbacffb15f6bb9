from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "carecircle.policies"
    label = "policies"
    verbose_name = "保单 / Policies"
