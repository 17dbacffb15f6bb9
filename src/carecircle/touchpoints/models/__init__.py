"""Touchpoints: interactions of the five contact types, complaints, surveys and referrals."""

from .complaints import Complaint, ComplaintEvent
from .interaction import Interaction, InteractionQuerySet
from .surveys import Referral, Survey

__all__ = [
    "Complaint",
    "ComplaintEvent",
    "Interaction",
    "InteractionQuerySet",
    "Referral",
    "Survey",
]
