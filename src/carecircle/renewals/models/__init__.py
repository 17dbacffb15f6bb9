"""Renewal records: tasks and their assignments, contacts, quotes, blocked attempts, seats and
pipeline runs, underwriting referrals (choices in ``renewals.choices``)."""

from .contacts import ComplianceBlock, Contact, Quote
from .seats import PipelineRun, SeatProfile
from .tasks import Assignment, RenewalTask
from .underwriting import ReferralStatus, UnderwritingReferral

__all__ = [
    "Assignment",
    "ComplianceBlock",
    "Contact",
    "PipelineRun",
    "Quote",
    "ReferralStatus",
    "RenewalTask",
    "SeatProfile",
    "UnderwritingReferral",
]
