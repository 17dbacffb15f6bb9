from __future__ import annotations

from typing import Any

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


LIABILITY_CHOICES = [
    ("", _("还不清楚 / Not known yet")),
    ("full", _("全责 / Fully at fault")),
    ("main", _("主责 / Mainly at fault")),
    ("equal", _("同责 / Equally at fault")),
    ("minor", _("次责 / Partly at fault")),
    ("none", _("无责 / Not at fault")),
]


class ReportForm(forms.Form):
    """报案 on a vehicle: when, where, what happened, and what was damaged or who was hurt. The
    service links the vehicle's 交强险 and 商业险 in force at the accident."""

    vehicle = forms.ChoiceField(label=_("出险车辆 / Vehicle"))
    accident_at = forms.DateTimeField(
        label=_("出险时间 / When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    location = forms.CharField(label=_("地点 / Where"), max_length=128, required=False)
    description = forms.CharField(
        label=_("经过 / What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    own_car = forms.BooleanField(label=_("我的车受损 / My car is damaged"), required=False)
    other_car = forms.BooleanField(label=_("对方车辆受损 / Another car is damaged"), required=False)
    other_property = forms.BooleanField(
        label=_("其他财产受损(护栏、店铺等) / Other property (a barrier, a shop…)"), required=False
    )
    injured = forms.IntegerField(
        label=_("受伤人数 / People injured"), min_value=0, max_value=99, initial=0, required=False
    )
    deaths = forms.IntegerField(
        label=_("死亡人数 / People killed"), min_value=0, max_value=99, initial=0, required=False
    )
    liability = forms.ChoiceField(
        label=_("责任(如已认定) / Liability, if known"), choices=LIABILITY_CHOICES, required=False
    )
    customer_estimate = forms.DecimalField(
        label=_("估计损失(元) / Estimated damage (yuan)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    photos = MultipleFileField(label=_("现场照片 / Photos"), required=False)

    def __init__(self, *args, vehicles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = vehicles  # type: ignore[attr-defined]
        self.fields["own_car"].initial = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["injured"] = data.get("injured") or 0
        data["deaths"] = data.get("deaths") or 0
        if not (
            data.get("own_car")
            or data.get("other_car")
            or data.get("other_property")
            or data["injured"]
            or data["deaths"]
        ):
            raise forms.ValidationError(
                _("请说明受损的车辆、财产或受伤人员 / say what was damaged or who was hurt"),
                code="nothing_damaged",
            )
        return data
