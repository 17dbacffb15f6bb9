"""Merchant alliance models: catalogue, entitlement packages, vouchers, redemptions, bookings
and ratings, settlement.

Merchants are ``parties.Partner`` rows of kind ``merchant``; their staff are users with the
``merchant_user`` role and ``user.partner`` set.  Row-level access is declared on each
queryset (``reach``, core.access): a merchant user sees its own merchant's catalogue,
redemptions and statements only; customers see their own vouchers; insurer staff see what
their customer scope allows.
"""

from .bookings import Booking, Rating
from .catalogue import (
    CatalogueQuerySet,
    EntitlementItem,
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    ServiceProduct,
)
from .redemptions import MerchantRowsQuerySet, Redemption, RedemptionAttempt
from .settlement import Statement, StatementLine, StatementQuerySet
from .vouchers import Voucher, VoucherQuerySet

__all__ = [
    "Booking",
    "CatalogueQuerySet",
    "EntitlementItem",
    "EntitlementPackage",
    "MerchantLocation",
    "MerchantOffer",
    "MerchantRowsQuerySet",
    "Rating",
    "Redemption",
    "RedemptionAttempt",
    "ServiceProduct",
    "Statement",
    "StatementLine",
    "StatementQuerySet",
    "Voucher",
    "VoucherQuerySet",
]
