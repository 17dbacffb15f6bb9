from django.apps import AppConfig


class ValueConfig(AppConfig):
    name = "carecircle.value"
    label = "value"
    verbose_name = "客户价值 / Customer value"
    # `carecircle demo`: a black- and a grey-listed customer with open renewals (#16), after
    # the renewals step.
    demo_step = "carecircle.value.demo.seed"
    demo_order = 21
