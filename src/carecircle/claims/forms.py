from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    policy = forms.ChoiceField(label=_("保单 / Policy"))
    accident_at = forms.DateTimeField(
        label=_("出险时间 / When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    location = forms.CharField(label=_("地点 / Where"), max_length=128, required=False)
    description = forms.CharField(
        label=_("经过 / What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    customer_estimate = forms.DecimalField(
        label=_("估计损失(元) / Estimated damage (yuan)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    single_vehicle = forms.BooleanField(label=_("单车事故 / Only my car"), required=False)
    liability_clear = forms.BooleanField(
        label=_("责任明确(如全责/无责认定书) / Liability is clear"), required=False
    )
    injury = forms.BooleanField(label=_("有人受伤 / Someone was injured"), required=False)
    photos = MultipleFileField(label=_("现场照片 / Photos"), required=False)

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = self.policy_choices(policies)  # type: ignore[attr-defined]

    @staticmethod
    def policy_choices(policies) -> list[tuple[int, str]]:
        # A POST validates against the one chosen policy, loaded without its vehicle.
        return [
            (p.pk, f"{p.policy_no} · {p.vehicle}" if "vehicle" in p._state.fields_cache else "")
            for p in policies
        ]
