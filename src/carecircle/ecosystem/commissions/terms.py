"""The commission terms an agreement may carry (no database): 交强险 at most 4 %, the
commercial base rate within the filed rate, and nothing — no commission, no referral fee —
for a partner without an intermediary licence. ``services.create_agreement`` and the admin
form (``Agreement.clean``) both ask here."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from carecircle.policies.choices import PolicyKind

from .. import conf
from .rules import cap_for, check_payee_licence, check_rate


def filed_rates() -> Mapping[str, Any]:
    return conf.get("COMMISSION_FILED_RATES")


def check_agreement_terms(partner: Any, terms: Mapping[str, Any]) -> None:
    """Refuse (``DomainError``) commission terms above the caps or for an unlicensed partner."""
    commercial = terms.get("commission_rate")
    compulsory = terms.get("compulsory_commission_rate")
    fee = terms.get("referral_fee")
    licensed = getattr(partner, "licensed", False)
    if any(v for v in (commercial, compulsory)):
        check_payee_licence(licensed, "commission")
    if fee:
        check_payee_licence(licensed, "referral_fee")
    if compulsory is not None:
        check_rate(
            PolicyKind.COMPULSORY,
            Decimal(str(compulsory)),
            cap_for(PolicyKind.COMPULSORY, filed_rates()),
            field="compulsory_commission_rate",
        )
    if commercial is not None:
        check_rate(
            PolicyKind.COMMERCIAL,
            Decimal(str(commercial)),
            cap_for(PolicyKind.COMMERCIAL, filed_rates()),
            field="commission_rate",
        )
