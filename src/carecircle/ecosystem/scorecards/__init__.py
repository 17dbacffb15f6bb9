"""The monthly partner scorecard: figures from real data, against the agreement, with the
records behind every number (drill-down).

- ``measure``: ``figures(month, partner_ids)`` computes the raw figures of one month for the
  given partners (None = all) with a handful of grouped queries;
- ``lines``: ``scorecard(partner, month)`` compares them to the agreement in force, line by
  line from one table (``LINES``);
- ``records``: ``drill(partner, month, what, user)``, the records behind a figure (staff
  read only their unit's subtree);
- ``stored``: ``compute_month(month)`` stores them as ``PartnerMonth`` rows for the health view
  and the cockpit.

Definitions (docs/ecosystem.md):

- premium brought: written premium of policies the partner brought, effective in the month,
  not cancelled;
- repair work sent: claims referred to the shop (``Claim.repair_shop``) reported in the month;
  value = paid + outstanding reserve; paid = amount paid so far;
- settlement timeliness: days from report to payment of the shop's claims paid in the month;
- repair cost index: the shop's average paid per paid claim ÷ the network's (all shops) —
  above 1 means dearer than the network (a leakage indicator);
- renewal rate: of the partner's policies expiring in the month, the share renewed (by any
  channel: the customer stayed);
- satisfaction: interaction scores (1–5) about the partner in the month (an answered survey
  is recorded as an interaction, so it counts once);
- services delivered (merchants): completed alliance redemptions and their agreed prices;
  alliance ratings count into satisfaction;
- complaints: complaints received in the month with the partner (or merchant) as root cause,
  also per 10,000 of the partner's policies in force at the month's end.

The names below are the package's interface (callers write ``scorecards.figures(…)``,
``scorecards.compare(…)``); the modules are how it is organised inside.
"""

from .lines import LINES, Line, Scorecard, agreement_for, compare, scorecard
from .measure import FIELDS, Figures, figures, policy_figures
from .records import DRILLS, drill
from .stored import compute_month, compute_months, from_stored

__all__ = [
    "DRILLS",
    "FIELDS",
    "LINES",
    "Figures",
    "Line",
    "Scorecard",
    "agreement_for",
    "compare",
    "compute_month",
    "compute_months",
    "drill",
    "figures",
    "from_stored",
    "policy_figures",
    "scorecard",
]
