from .choices import (
    CLOSED_STATUSES,
    CONNECTED_OUTCOMES,
    OUTCOME_STATUS,
    AssignReason,
    ContactChannel,
    LostReason,
    Outcome,
    Rule,
    Segment,
    Stage,
    Status,
)
from .contacts import ComplianceBlock, Contact, Quote
from .seats import PipelineRun, SeatProfile
from .tasks import Assignment, RenewalTask

__all__ = [
    "CLOSED_STATUSES",
    "CONNECTED_OUTCOMES",
    "OUTCOME_STATUS",
    "AssignReason",
    "Assignment",
    "ComplianceBlock",
    "Contact",
    "ContactChannel",
    "LostReason",
    "Outcome",
    "PipelineRun",
    "Quote",
    "RenewalTask",
    "Rule",
    "SeatProfile",
    "Segment",
    "Stage",
    "Status",
]
