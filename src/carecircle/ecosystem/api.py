"""Partner scorecards API (合作伙伴记分卡): a partner's own users read their scorecard and
the records behind every number; staff who manage partners or view the cockpit read every
partner's. Another partner's scorecard is refused (403) and audited, as on the pages.

Mount with ``api.add_router("/", carecircle.ecosystem.api.router)`` in ``api/api.py``.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from carecircle.core import dates
from carecircle.core.access import Action
from carecircle.core.api.auth import acting_user
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.choices import PartnerKind
from carecircle.parties.models import Partner

from . import scorecards
from .access import is_partner_user, partner_for, sees_all_partners
from .commissions.choices import StatementStatus
from .commissions.schemas import StatementDetailOut, StatementOut, StatementsIn
from .health import month_figures
from .models import Agreement, CommissionStatement
from .schemas import DrillRowOut, MonthIn, ScorecardOut, ScorecardSummaryOut

router = Router(tags=["ecosystem"])


def _month(text: str | None) -> dt.date:
    if not text:
        return dates.last_complete_month()
    month = dates.parse_month(text)
    if month is None:
        raise DomainError(
            "invalid_month", "月份须为YYYY-MM / month must be YYYY-MM", "month", status=422
        )
    return month


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _card_out(card: scorecards.Scorecard) -> dict[str, Any]:
    lines = [
        {
            "key": line.key,
            "section": section,
            "label": line.label,
            "value": _text(line.value),
            "target": line.target,
            "verdict": str(line.verdict),
            "drill": line.drill,
            "kind": line.kind,
        }
        for section, group in (
            ("gives", card.gives),
            ("gets", card.gets),
            ("quality", card.quality),
        )
        for line in group
    ]
    return {
        "partner_id": card.partner.pk,
        "partner_name": card.partner.name,
        "partner_kind": card.partner.kind,
        "month": f"{card.month:%Y-%m}",
        "agreement_no": card.agreement.agreement_no if card.agreement else None,
        "off_terms": [line.key for line in card.off_terms],
        "lines": lines,
    }


@router.get("/ecosystem/scorecards", response={200: list[ScorecardSummaryOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_scorecards(request: HttpRequest, q: Query[MonthIn]):
    """Every partner's month for staff (busiest first); a partner user gets only its own."""
    user = acting_user(request)
    month = _month(q.month)
    if not (sees_all_partners(user) or is_partner_user(user)):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    partners = Partner.objects.restrict(user, Action.REPORT)  # every partner, or its own
    if sees_all_partners(user) and q.kind in PartnerKind.values:
        partners = partners.filter(kind=q.kind)
    data, _stored = month_figures(month)
    agreements = {
        a.partner_id: a
        for a in Agreement.objects.restrict(user).filter(
            status="active", starts_on__lte=month, ends_on__gte=month
        )
    }
    listed = [p for p in partners if p.pk in data or p.pk in agreements or is_partner_user(user)]
    listed.sort(
        key=lambda p: (data[p.pk].premium_brought + data[p.pk].repair_value) if p.pk in data else 0,
        reverse=True,
    )
    out = []
    for p in listed:
        f = data.get(p.pk, scorecards.Figures())
        card = scorecards.compare(p, month, f, agreements.get(p.pk))
        out.append(
            {
                "partner_id": p.pk,
                "partner_name": p.name,
                "partner_kind": p.kind,
                "month": f"{month:%Y-%m}",
                "premium_brought": str(f.premium_brought),
                "repair_value": str(f.repair_value),
                "complaints": f.complaints,
                "off_terms": [line.key for line in card.off_terms],
            }
        )
    return out


@router.get("/ecosystem/partners/{partner_id}/scorecard", response={200: ScorecardOut, **ERRORS})
def get_scorecard(request: HttpRequest, partner_id: int, q: Query[MonthIn]):
    partner = partner_for(acting_user(request), partner_id)
    return _card_out(scorecards.scorecard(partner, _month(q.month)))


def _row(record: Any, user) -> dict[str, Any]:
    """One record behind a figure, the customer masked for partner users."""
    customer = getattr(record, "customer", None) or getattr(record, "referrer", None)
    if customer is None and hasattr(record, "policy"):
        customer = record.policy.customer
    reference = next(
        (
            getattr(record, f)
            for f in ("policy_no", "claim_no", "complaint_no", "interaction_no")
            if getattr(record, f, "")
        ),
        str(record.pk),
    )
    moment = next(
        (
            getattr(record, f)
            for f in (
                "effective_date",
                "paid_at",
                "reported_at",
                "received_at",
                "answered_at",
                "occurred_at",
                "recorded_at",
            )
            if getattr(record, f, None) is not None
        ),
        None,
    )
    if isinstance(moment, dt.datetime):
        moment = moment.date()
    amount = next(
        (
            getattr(record, f)
            for f in ("premium", "amount_paid")
            if isinstance(getattr(record, f, None), Decimal)
        ),
        None,
    )
    score = getattr(record, "satisfaction", None) or getattr(record, "csat", None)
    return {
        "id": record.pk,
        "reference": reference,
        "at": moment,
        "customer": customer.display_name_for(user) if customer is not None else "—",
        "amount": _text(amount if amount is not None else score),
        "status": str(getattr(record, "status", "") or ""),
    }


@router.get(
    "/ecosystem/partners/{partner_id}/scorecard/{figure}",
    response={200: list[DrillRowOut], **ERRORS},
)
@paginate(LimitOffsetNoCount)
def drill(request: HttpRequest, partner_id: int, figure: str, q: Query[MonthIn]):
    """The records behind a figure (policies, renewals, claims, settled, complaints,
    satisfaction, surveys, referrals)."""
    user = acting_user(request)
    partner = partner_for(user, partner_id)
    if figure not in scorecards.DRILLS:
        raise Http404(figure)
    records = scorecards.drill(partner, _month(q.month), figure, user)
    return _Rows(records, user)


class _Rows:
    """A lazily sliced drill-down: the paginator slices, only that page is read and masked."""

    def __init__(self, records, user) -> None:
        self.records, self.user = records, user

    def __getitem__(self, s: slice) -> list[dict[str, Any]]:
        return [_row(r, self.user) for r in self.records[s]]


# ---------------------------------------------------------------- commission statements


def _statements_for(user):
    if not (has_perm(user, Perm.MANAGE_PARTNERS) or is_partner_user(user)):
        raise PermissionDenied("需要合作伙伴管理权限 / needs the manage-partners permission")
    return CommissionStatement.objects.restrict(user).select_related("partner", "agent")


def _statement_out(s: CommissionStatement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "statement_no": s.statement_no,
        "month": f"{s.month:%Y-%m}",
        "partner_id": s.partner_id,
        "agent_id": s.agent_id,
        "payee": s.payee_name,
        "status": s.status,
        "lines_count": s.lines_count,
        "premium": str(s.premium),
        "total": str(s.total),
        "approved_at": s.approved_at,
        "paid_at": s.paid_at,
        "payment_ref": s.payment_ref,
    }


@router.get("/ecosystem/commissions/statements", response={200: list[StatementOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_commission_statements(request: HttpRequest, q: Query[StatementsIn]):
    """Commission statements (手续费结算单), newest month first: every statement of the
    caller's unit subtree for who manages partners, a partner's own for its users."""
    rows = _statements_for(acting_user(request))
    if q.month:
        rows = rows.filter(month=_month(q.month))
    if q.status in StatementStatus.values:
        rows = rows.filter(status=q.status)
    return _Statements(rows.order_by("-month", "statement_no"))


class _Statements:
    def __init__(self, rows) -> None:
        self.rows = rows

    def __getitem__(self, s: slice) -> list[dict[str, Any]]:
        return [_statement_out(r) for r in self.rows[s]]


@router.get(
    "/ecosystem/commissions/statements/{statement_id}",
    response={200: StatementDetailOut, **ERRORS},
)
def get_commission_statement(request: HttpRequest, statement_id: int):
    """One statement with its lines: the policy, the rate used and why, the amount."""
    statement = _statements_for(acting_user(request)).filter(pk=statement_id).first()
    if statement is None:
        raise Http404("statement")
    lines = statement.lines.select_related("policy").order_by("written_on", "pk")
    return {
        **_statement_out(statement),
        "lines": [
            {
                "id": line.pk,
                "policy_no": line.policy.policy_no,
                "kind": line.kind,
                "line": line.line,
                "segment": line.segment,
                "written_on": line.written_on,
                "premium": str(line.premium),
                "rate": str(line.rate),
                "amount": str(line.amount),
                "reason": line.reason,
            }
            for line in lines
        ],
    }
