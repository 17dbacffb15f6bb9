"""Stored model versions and their relativities as charts, for actuaries.

Shown to those who decide tiers (managers, service managers): the models behind the value
figures should be open to the people who act on them.  The list never loads the coefficients
(a model's JSON can be large); the detail page charts every factor's relativities by level.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from carecircle.core.roles import Perm, has_perm

from ..models import ModelVersion

PART_LABELS = {
    "frequency": "频率 / frequency",
    "severity": "案均 / severity",
    "renewal": "续保 / renewal",
    "main": "主模型 / main",
}


def _actuary(request: HttpRequest) -> Any:
    if not has_perm(request.user, Perm.DECIDE_TIERS):
        raise PermissionDenied("仅限经理与服务经理 / managers and service managers only")
    return request.user


@require_GET
@login_required
def model_list(request: HttpRequest) -> HttpResponse:
    _actuary(request)
    versions = ModelVersion.objects.defer("coefficients").order_by("kind", "-version")
    return render(request, "value/models.html", {"versions": versions})


def _ordered(keys, preferred: list[str]) -> list[str]:
    """``keys`` in the preferred order, then the rest sorted (PostgreSQL's JSONB does not keep
    the order a dict was written in)."""
    rank = {key: i for i, key in enumerate(preferred)}
    return sorted(keys, key=lambda k: (rank.get(k, len(rank)), k))


def factor_charts(stored: ModelVersion) -> list[dict[str, Any]]:
    """One chart per (part, factor), factors in the model spec's order; levels as stored."""
    spec = (stored.parameters or {}).get("spec") or {}
    spec_order = [f["column"] for f in spec.get("factors") or []]
    spec_order += [f["column"] for f in spec.get("severity_factors") or []]
    tables = stored.coefficients.get("relativities") or {}
    charts: list[dict[str, Any]] = []
    for part in _ordered(tables, list(PART_LABELS)):
        factors = tables[part]
        for factor in _ordered(factors, spec_order):
            levels = factors[factor]
            charts.append(
                {
                    "id": f"chart-{len(charts)}",
                    "part": part,
                    "part_label": PART_LABELS.get(part, part),
                    "factor": factor,
                    "levels": [str(row["level"]) for row in levels],
                    "relativities": [round(float(row["relativity"]), 4) for row in levels],
                    "rows": [(str(row["level"]), float(row["relativity"])) for row in levels],
                }
            )
    return charts


@require_GET
@login_required
def model_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    _actuary(request)
    stored = get_object_or_404(ModelVersion, pk=version_id)
    charts = factor_charts(stored)
    context = {"m": stored, "charts": charts, "metrics": sorted(stored.metrics.items())}
    return render(request, "value/model_detail.html", context)
