"""Value engine models: model versions, value runs and their results, tiers, reviews and lists."""

from .lists import ListEntry, ListEvent, ListKind, ListStatus
from .runs import CustomerValue, RunStatus, ValueRun
from .tiers import ReviewStatus, Tier, TierHistory, TierReview
from .versions import ModelKind, ModelVersion

__all__ = [
    "CustomerValue",
    "ListEntry",
    "ListEvent",
    "ListKind",
    "ListStatus",
    "ModelKind",
    "ModelVersion",
    "ReviewStatus",
    "RunStatus",
    "Tier",
    "TierHistory",
    "TierReview",
    "ValueRun",
]
