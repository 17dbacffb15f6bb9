"""Privacy settings: defaults here, overridden by ``settings.CARECIRCLE["PRIVACY"]``.

The retention schedule (``RETENTION``) says, per kind of record, how long it is kept after its
end date before ``carecircle privacy retention`` anonymises it (docs/privacy.md). Each entry is
``{"years": N}`` or ``{"days": N}``. Anonymising clears the personal data and keeps the row
(other rows point to it, and the counts stay right); what the law requires to keep is kept.
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # A request is answered within this many working days of its receipt (PIPL Arts 44–50:
    # "a reasonable time"; 15 working days is the common practice, DOMAIN.md). Counted on the
    # loaded working calendar (core.workdays), the day of receipt not counted.
    "ANSWER_WORKING_DAYS": 15,
    # 保险法第87条: policy and claim records are kept at least 5 years after the contract ends
    # for a contract of one year or less, 10 years for a longer one. A deletion request while
    # they are kept becomes a restriction (Customer.restricted_at).
    "ART87_YEARS_SHORT": 5,
    "ART87_YEARS_LONG": 10,
    # The retention schedule: record kind → how long after its end date.
    "RETENTION": {
        # renewals.Contact: the call's recording reference and notes, after the call (sales
        # calls are recorded and kept 5 years, DOMAIN.md "Outbound calls").
        "call_recordings": {"years": 5},
        # notify.Message with purpose marketing: subject, body, address and context, after it
        # was created.
        "marketing_messages": {"years": 2},
        # touchpoints.Interaction: the summary written about a contact, after it happened.
        "interactions": {"years": 3},
        # touchpoints.Referral not won (a lead that never became a policy): the referred
        # person's name and mobile, after the referral was recorded.
        "unconverted_leads": {"years": 1},
        # parties.Customer with no policy and no proposal ever (a prospect): anonymised after
        # the record was last changed.
        "prospects": {"years": 2},
        # touchpoints.Complaint closed: summary, details, resolution and the events' notes,
        # after it was closed.
        "closed_complaints": {"years": 3},
        # privacy.DataExport: the file is removed this long after it was made (the download
        # link expires with it).
        "data_exports": {"days": 7},
    },
    # Rows changed per transaction by the retention run.
    "BATCH_SIZE": 500,
}


SETTINGS = AppSettings("PRIVACY", DEFAULTS)
get = SETTINGS.get


def retention(kind: str) -> dict[str, int]:
    """The configured period of one record kind (a deployment may override some kinds only)."""
    periods = {**DEFAULTS["RETENTION"], **get("RETENTION")}
    return dict(periods[kind])
