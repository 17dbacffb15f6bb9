"""Forms of the complaint pages: a complaint recorded by staff from any channel, and one filed
by the customer from the app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ComplaintCategory, ComplaintChannel, ContactType, Severity


class ComplaintForm(forms.Form):
    customer_no = forms.CharField(label=_("客户号 / Customer no."), max_length=32)
    channel = forms.ChoiceField(label=_("渠道 / Channel"), choices=ComplaintChannel.choices)
    category = forms.ChoiceField(label=_("类别 / Category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(
        label=_("严重程度 / Severity"), choices=Severity.choices, initial=Severity.NORMAL
    )
    touchpoint = forms.ChoiceField(label=_("接触点 / Touchpoint"), choices=ContactType.choices)
    summary = forms.CharField(label=_("摘要 / Summary"), max_length=255)
    details = forms.CharField(label=_("详情 / Details"), widget=forms.Textarea, required=False)
    claim_no = forms.CharField(label=_("相关赔案号 / Claim no."), required=False)
    partner_code = forms.CharField(label=_("涉及合作伙伴编码 / Partner code"), required=False)
    merchant_code = forms.CharField(label=_("涉及商户编码 / Merchant code"), required=False)


class CustomerComplaintForm(forms.Form):
    category = forms.ChoiceField(
        label=_("投诉类别 / What is it about?"), choices=ComplaintCategory.choices
    )
    touchpoint = forms.ChoiceField(
        label=_("涉及环节 / Where did it happen?"), choices=ContactType.choices
    )
    summary = forms.CharField(label=_("一句话说明 / In one sentence"), max_length=255)
    details = forms.CharField(label=_("详情 / Details"), widget=forms.Textarea, required=False)
