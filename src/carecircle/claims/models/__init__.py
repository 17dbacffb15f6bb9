"""Claims models: the claim record and its workflow, admin-edited rules, the repair network."""

from ..choices import ClaimStatus
from .claim import OPEN_STATUSES, UNDECIDED_STATUSES, Claim, ClaimQuerySet
from .network import RepairService, RepairTerms
from .payees import BankAccount, BankReturnImport, PaymentBatch, PaymentPayee
from .recoveries import Salvage, Subrogation, SubrogationReceipt
from .reserves import ReserveChange, ReserveMovement
from .rules_admin import ApprovalAuthority, FastTrackRule
from .workflow import ClaimDocument, ClaimFlag, ClaimPayment, ClaimTransition

__all__ = [
    "OPEN_STATUSES",
    "UNDECIDED_STATUSES",
    "ApprovalAuthority",
    "BankAccount",
    "BankReturnImport",
    "Claim",
    "ClaimDocument",
    "ClaimFlag",
    "ClaimPayment",
    "ClaimQuerySet",
    "ClaimStatus",
    "ClaimTransition",
    "FastTrackRule",
    "PaymentBatch",
    "PaymentPayee",
    "RepairService",
    "RepairTerms",
    "ReserveChange",
    "ReserveMovement",
    "Salvage",
    "Subrogation",
    "SubrogationReceipt",
]
