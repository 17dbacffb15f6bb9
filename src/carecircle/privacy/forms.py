from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Decision, RequestKind, ReviewSubject


class ReviewForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial=RequestKind.REVIEW)
    subject = forms.ChoiceField(
        label=_("要复核的决定 / Decision to review"), choices=ReviewSubject.choices
    )
    details = forms.CharField(
        label=_("您的意见(可选) / What you think (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial=RequestKind.CORRECTION)
    details = forms.CharField(
        label=_("哪项信息有误，正确的是什么 / What is wrong, and what is right"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeletionForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial=RequestKind.DELETION)
    details = forms.CharField(
        label=_("原因(可选) / Why (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "我了解：法律要求保存的保单和理赔记录将被限制处理而不是删除 / I understand: policy "
            "and claim records the law requires us to keep are restricted rather than deleted"
        )
    )


class ExportForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, initial=RequestKind.EXPORT)


FORMS: dict[str, type[forms.Form]] = {
    RequestKind.REVIEW: ReviewForm,
    RequestKind.CORRECTION: CorrectionForm,
    RequestKind.DELETION: DeletionForm,
    RequestKind.EXPORT: ExportForm,
}


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("决定 / Decision"),
        choices=[
            (Decision.GRANTED, Decision.GRANTED.label),
            (Decision.REFUSED, Decision.REFUSED.label),
        ],
    )
    answer = forms.CharField(
        label=_("给客户的书面答复 / Written answer to the customer"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
