"""Renewal records: tasks and their assignments, contacts, quotes, blocked attempts, seats and
pipeline runs (choices in ``renewals.choices``)."""

from .contacts import ComplianceBlock, Contact, Quote
from .seats import PipelineRun, SeatProfile
from .tasks import Assignment, RenewalTask

__all__ = [
    "Assignment",
    "ComplianceBlock",
    "Contact",
    "PipelineRun",
    "Quote",
    "RenewalTask",
    "SeatProfile",
]
