"""The fields every cover carries, wherever it stands (an abstract model, no table)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.core.money import MoneyField

from .choices import CoverageCode


class CoverageTerms(models.Model):
    """One cover's code, limit and premium: on an issued policy (``Coverage``) and on a
    proposal's quoted policy (``ProposalCoverage``), copied from one to the other."""

    code = models.CharField(_("险别 / coverage"), max_length=24, choices=CoverageCode.choices)
    limit = MoneyField(_("保额/限额 / sum insured or limit"), null=True, blank=True)
    premium = MoneyField(_("保费 / premium"))

    class Meta:
        abstract = True
