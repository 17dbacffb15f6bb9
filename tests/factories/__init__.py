"""factory_boy factories for every model a test creates, one module per app; valid Chinese
identifiers throughout. ``from tests.factories import XFactory`` works for every factory;
app-specific helpers (``policy_with_cover``, ``merchant_with_offer``, ``customer_with_history``
…) are imported from their module (``tests.factories.claims``, ``.alliance``, ``.history``).
tests/test_factories.py checks that every model has a factory and that each one builds a
valid row."""

from .alliance import (
    BookingFactory,
    ItemFactory,
    LocationFactory,
    MerchantFactory,
    OfferFactory,
    PackageFactory,
    ProductFactory,
    RatingFactory,
    RedemptionFactory,
    StatementFactory,
    StatementLineFactory,
    VoucherFactory,
)
from .claims import (
    ApprovalAuthorityFactory,
    ClaimDocumentFactory,
    ClaimFactory,
    ClaimFlagFactory,
    ClaimPaymentFactory,
    ClaimTransitionFactory,
    FastTrackRuleFactory,
    PlainClaimFactory,
    RegisteredClaimFactory,
    RepairServiceFactory,
    RepairTermsFactory,
)
from .core import SH, ApiTokenFactory, UserFactory, make_id_number, make_phone, make_vin
from .ecosystem import AgreementFactory, WeatherAlertFactory
from .notify import ContactAddressFactory, MessageFactory, UnsubscribeFactory
from .parties import (
    CustomerFactory,
    PartnerContactFactory,
    PartnerFactory,
    TeamFactory,
    VehicleFactory,
)
from .policies import CoverageFactory, PolicyFactory
from .renewals import (
    AssignmentFactory,
    ComplianceBlockFactory,
    ContactFactory,
    QuoteFactory,
    RenewalTaskFactory,
    SeatProfileFactory,
)
from .touchpoints import (
    ComplaintEventFactory,
    ComplaintFactory,
    InteractionFactory,
    ReferralFactory,
    SurveyFactory,
)
from .value import (
    CustomerValueFactory,
    HeldBackValueFactory,
    ListEntryFactory,
    ListEventFactory,
    ModelVersionFactory,
    TierHistoryFactory,
    TierReviewFactory,
    ValueRunFactory,
)

__all__ = [
    "SH",
    "AgreementFactory",
    "ApiTokenFactory",
    "ApprovalAuthorityFactory",
    "AssignmentFactory",
    "BookingFactory",
    "ClaimDocumentFactory",
    "ClaimFactory",
    "ClaimFlagFactory",
    "ClaimPaymentFactory",
    "ClaimTransitionFactory",
    "ComplaintEventFactory",
    "ComplaintFactory",
    "ComplianceBlockFactory",
    "ContactAddressFactory",
    "ContactFactory",
    "CoverageFactory",
    "CustomerFactory",
    "CustomerValueFactory",
    "FastTrackRuleFactory",
    "HeldBackValueFactory",
    "InteractionFactory",
    "ItemFactory",
    "ListEntryFactory",
    "ListEventFactory",
    "LocationFactory",
    "MerchantFactory",
    "MessageFactory",
    "ModelVersionFactory",
    "OfferFactory",
    "PackageFactory",
    "PartnerContactFactory",
    "PartnerFactory",
    "PlainClaimFactory",
    "PolicyFactory",
    "ProductFactory",
    "QuoteFactory",
    "RatingFactory",
    "RedemptionFactory",
    "ReferralFactory",
    "RegisteredClaimFactory",
    "RenewalTaskFactory",
    "RepairServiceFactory",
    "RepairTermsFactory",
    "SeatProfileFactory",
    "StatementFactory",
    "StatementLineFactory",
    "SurveyFactory",
    "TeamFactory",
    "TierHistoryFactory",
    "TierReviewFactory",
    "UnsubscribeFactory",
    "UserFactory",
    "ValueRunFactory",
    "VehicleFactory",
    "VoucherFactory",
    "WeatherAlertFactory",
    "make_id_number",
    "make_phone",
    "make_vin",
]
