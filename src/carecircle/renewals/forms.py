from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SEAT_OUTCOMES, LostReason


class QuoteForm(forms.Form):
    pricing_coefficient = forms.DecimalField(
        label=_("自主定价系数 / pricing coefficient"),
        max_digits=5,
        decimal_places=3,
        required=False,
    )
    compulsory_only = forms.BooleanField(label=_("仅续交强险 / 交强险 only"), required=False)


class UnderwritingDecisionForm(forms.Form):
    """核保: accept with conditions, or decline with a written reason (#16)."""

    decision = forms.ChoiceField(
        label=_("决定 / decision"),
        choices=[("accept", _("有条件承保 / Accept")), ("decline", _("拒保 / Decline"))],
        widget=forms.RadioSelect,
    )
    min_pricing = forms.DecimalField(
        label=_("最低自主定价系数 / minimum pricing coefficient"),
        max_digits=5,
        decimal_places=3,
        required=False,
    )
    excess_note = forms.CharField(label=_("免赔约定 / excess"), max_length=255, required=False)
    excluded_coverages = forms.CharField(
        label=_("不承保险别 / coverages excluded"), max_length=255, required=False
    )
    reason = forms.CharField(
        label=_("理由(拒保必填) / reason (required to decline)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProposalActionForm(forms.Form):
    """Resend the payment link, or cancel the unpaid offer (with a reason)."""

    action = forms.ChoiceField(choices=[("resend", "resend"), ("cancel", "cancel")])
    reason = forms.CharField(max_length=255, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结果 / outcome"), choices=SEAT_OUTCOMES)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    callback_at = forms.DateTimeField(
        label=_("回拨时间 / call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    lost_reason = forms.ChoiceField(
        label=_("流失原因 / reason"), choices=[("", "—"), *LostReason.choices], required=False
    )
    competitor = forms.CharField(label=_("竞争对手 / competitor"), max_length=64, required=False)
    competitor_price = forms.DecimalField(
        label=_("对手报价 / competitor's price"), max_digits=12, decimal_places=2, required=False
    )
    note = forms.CharField(
        label=_("备注 / note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReassignForm(forms.Form):
    tasks = forms.CharField(widget=forms.HiddenInput)
    to_user = forms.IntegerField()
    note = forms.CharField(max_length=255, required=False)

    def clean_tasks(self) -> list[int]:
        raw = self.cleaned_data["tasks"]
        try:
            ids = [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError(
                "续保编号须为数字 / renewal ids must be numbers", code="bad_ids"
            ) from None
        if not ids or len(ids) > 5000:
            raise forms.ValidationError(
                "请选择1至5000条续保 / choose 1 to 5,000 renewals", code="count"
            )
        return ids
