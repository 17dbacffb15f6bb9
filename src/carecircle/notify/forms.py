"""Forms of the notify pages: a person records that a legal notice's letter was posted."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LetterPostedForm(forms.Form):
    tracking_no = forms.CharField(
        label=_("邮件单号 / Tracking number"),
        max_length=40,
        help_text=_("挂号信或EMS单号，作为寄送凭证 / registered mail or EMS number, the proof"),
    )
