from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "carecircle.parties"
    label = "parties"
    verbose_name = "当事人 / Parties"
    # Before every step that sends or calls: the book's marketing flags become consent rows.
    demo_step = "carecircle.parties.demo.seed"
    demo_order = 5
