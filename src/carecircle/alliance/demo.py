"""Demo step: the catalogue, entitlement packages, a policy year of vouchers for the demo
book, and some months of redemptions, ratings, bookings and statements.

Idempotent: the catalogue is upserted, issuing uses entitlement keys, and the activity is
seeded only once (when no redemption exists yet)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from carecircle.core import clock, dates
from carecircle.core.models import User
from carecircle.core.roles import Role
from carecircle.parties.models import Partner

from . import bulk, services
from .models import (
    Booking,
    EntitlementItem,
    EntitlementPackage,
    MerchantLocation,
    MerchantOffer,
    Rating,
    Redemption,
    ServiceProduct,
    Voucher,
)

# code, kind, name, public price, share paid by the insurer, rider
PRODUCTS = [
    ("car_wash", "car_wash", "精致洗车 / Car wash", "60.00", "0.55", ""),
    ("maintenance", "maintenance", "小保养 / Minor service", "380.00", "0.70", ""),
    ("tyres", "tyres", "轮胎检查换位 / Tyre check and rotation", "120.00", "0.60", ""),
    (
        "rescue",
        "roadside_rescue",
        "道路救援(50公里拖车) / Roadside rescue (50 km tow)",
        "500.00",
        "0.65",
        "roadside_rescue",
    ),
    (
        "designated_driver",
        "designated_driver",
        "代为驾驶 / Designated driver",
        "150.00",
        "0.70",
        "designated_driver",
    ),
    (
        "inspection_run",
        "inspection_run",
        "代为送检 / Inspection run",
        "200.00",
        "0.65",
        "inspection_run",
    ),
    (
        "airport_parking",
        "parking",
        "机场停车(24小时) / Airport parking (24 h)",
        "80.00",
        "0.60",
        "",
    ),
    ("fuel", "fuel", "加油卡(100元) / Fuel card (¥100)", "100.00", "0.97", ""),
    (
        "safety_check",
        "safety_check",
        "车辆安全检测 / Vehicle safety check",
        "150.00",
        "0.60",
        "safety_check",
    ),
]
# what a merchant offers, from the service in its generated name
BY_NAME = {
    "洗车": ["car_wash", "fuel"],
    "美容": ["car_wash", "airport_parking"],
    "保养": ["maintenance", "safety_check", "inspection_run"],
    "轮胎": ["tyres", "safety_check"],
    "停车": ["airport_parking", "fuel"],
    "道路救援": ["rescue", "designated_driver", "inspection_run"],
}
# code, name, conditions, items
PACKAGES: list[tuple[str, str, dict[str, Any], list[tuple[str, int]]]] = [
    ("GOLD", "黄金权益 / Gold", {"min_tier": "gold"}, [("car_wash", 4), ("safety_check", 1)]),
    ("PLATINUM", "铂金加享 / Platinum extras", {"min_tier": "platinum"}, [("maintenance", 1)]),
    (
        "DIAMOND",
        "钻石加享 / Diamond extras",
        {"min_tier": "diamond"},
        [("designated_driver", 2), ("airport_parking", 2)],
    ),
    ("RIDER-RESCUE", "道路救援特约 / Rescue rider", {"rider": "roadside_rescue"}, [("rescue", 1)]),
    (
        "RIDER-CHECK",
        "安全检测特约 / Safety-check rider",
        {"rider": "safety_check"},
        [("safety_check", 1)],
    ),
    (
        "RIDER-DRIVER",
        "代为驾驶特约 / Designated-driver rider",
        {"rider": "designated_driver"},
        [("designated_driver", 1)],
    ),
    (
        "RIDER-INSPECTION",
        "代为送检特约 / Inspection-run rider",
        {"rider": "inspection_run"},
        [("inspection_run", 1)],
    ),
    (
        "NEV-CARE",
        "新能源关爱季 / New-energy care campaign",
        {"new_energy_only": True, "campaign": "新能源关爱季 / NEV care"},
        [("safety_check", 1)],
    ),
]


def _catalogue() -> dict[str, ServiceProduct]:
    products = {}
    for code, kind, name, price, _, rider in PRODUCTS:
        products[code], _ = ServiceProduct.objects.update_or_create(
            code=code,
            defaults={"kind": kind, "name": name, "public_price": Decimal(price), "rider": rider},
        )
    for code, name, conditions, items in PACKAGES:
        package, _ = EntitlementPackage.objects.update_or_create(
            code=code, defaults={"name": name, **conditions}
        )
        for product, quantity in items:
            EntitlementItem.objects.update_or_create(
                package=package, product=products[product], defaults={"quantity": quantity}
            )
    return products


def _merchants(products: dict[str, ServiceProduct], demo_merchant_id: int | None) -> int:
    share = {code: Decimal(s) for code, _, _, _, s, _ in PRODUCTS}
    offers = []
    locations = []
    have = set(MerchantOffer.objects.values_list("merchant_id", "product_id"))
    located = set(MerchantLocation.objects.values_list("merchant_id", flat=True))
    merchants = Partner.objects.filter(kind="merchant").order_by("pk")
    for merchant in merchants:
        codes = next((v for k, v in BY_NAME.items() if k in merchant.name), ["car_wash"])
        if merchant.pk == demo_merchant_id:  # the demo login sees every kind of redemption
            codes = ["car_wash", "safety_check", "designated_driver", "maintenance"]
        for code in codes:
            product = products[code]
            if (merchant.pk, product.pk) in have:
                continue
            offers.append(
                MerchantOffer(
                    merchant=merchant,
                    product=product,
                    public_price=product.public_price,
                    price_to_insurer=(product.public_price * share[code]).quantize(Decimal("0.01")),
                )
            )
        if merchant.pk not in located:
            locations.append(
                MerchantLocation(
                    merchant=merchant,
                    name=f"{merchant.name[:20]}总店",
                    city=merchant.city,
                    address=merchant.address,
                    opening_hours="08:30-20:00",
                    daily_capacity=30,
                )
            )
    MerchantOffer.objects.bulk_create(offers)
    MerchantLocation.objects.bulk_create(locations)
    return merchants.count()


def _merchant_user(merchant_id: int, demo_login: User | None) -> User:
    if demo_login is not None and demo_login.partner_id == merchant_id:
        return demo_login
    user = User.objects.filter(role=Role.MERCHANT_USER, partner_id=merchant_id).first()
    if user is None:
        user = User.objects.create(
            username=f"demo_m{merchant_id}", role=Role.MERCHANT_USER, partner_id=merchant_id
        )
    return user


def _activity(today: dt.date, demo_login: User | None) -> int:
    """A few months of redemptions (at random past moments inside each voucher's validity),
    a reversal or two, ratings (one merchant poorly rated), bookings and statements."""
    rng = random.Random(6)
    manager = User.objects.filter(role=Role.SERVICE_MANAGER).order_by("pk").first()
    offered: dict[int, list[int]] = {}
    for merchant_id, product_id in MerchantOffer.objects.values_list("merchant_id", "product_id"):
        offered.setdefault(product_id, []).append(merchant_id)
    demo_merchant = demo_login.partner_id if demo_login else None
    candidates = list(
        Voucher.objects.filter(
            status="issued", valid_from__lt=today, valid_until__gte=today - dt.timedelta(days=50)
        )
        .order_by("pk")
        .values_list("pk", "code", "product_id", "valid_from", "valid_until")[:20000]
    )
    rng.shuffle(candidates)
    redemptions = []
    tz = dt.timezone(dt.timedelta(hours=8))
    for _pk, code, product_id, valid_from, valid_until in candidates[:300]:
        merchants = offered.get(product_id)
        if not merchants:
            continue
        merchant_id = rng.choice(merchants)
        if demo_merchant is not None and demo_merchant in merchants and rng.random() < 0.25:
            merchant_id = demo_merchant
        start = max(valid_from, today - dt.timedelta(days=50))  # last month and this one
        span = max((min(today - dt.timedelta(days=1), valid_until) - start).days, 1)
        day = start + dt.timedelta(days=rng.randrange(span))
        moment = dt.datetime.combine(day, dt.time(9 + rng.randrange(10), rng.randrange(60)), tz)
        with clock.frozen_at(moment):
            user = _merchant_user(merchant_id, demo_login)
            redemptions.append((services.redeem(code, acting_user=user), user))
    # a reversal within the window, a rating on most, one merchant flagged by its ratings
    poor = redemptions[0][0].merchant_id if redemptions else None
    ratings = []
    for n, (redemption, user) in enumerate(redemptions):
        if n % 97 == 5:
            with clock.frozen_at(redemption.redeemed_at + dt.timedelta(hours=1)):
                services.reverse(redemption, acting_user=user, reason="重复扫码 / scanned twice")
            continue
        if rng.random() < 0.6:
            bad = redemption.merchant_id == poor
            stars = rng.choice([1, 2, 3]) if bad else rng.choice([4, 4, 5, 5, 5, 3])
            ratings.append(
                Rating(
                    redemption=redemption,
                    merchant_id=redemption.merchant_id,
                    stars=stars,
                    complaint=bad and stars == 1,
                )
            )
    Rating.objects.bulk_create(ratings)
    # bookings for the coming days and some closed ones (attended / no-show)
    locations = {m: loc for m, loc in MerchantLocation.objects.values_list("merchant_id", "pk")}
    open_vouchers = list(
        Voucher.objects.filter(status="issued", valid_until__gte=today)
        .order_by("pk")
        .values_list("pk", "product_id")[:300]
    )
    bookings = []
    for n, (voucher_id, product_id) in enumerate(open_vouchers):
        merchants = offered.get(product_id)
        if not merchants:
            continue
        merchant_id = merchants[0]
        if demo_merchant is not None and demo_merchant in merchants and n % 3 == 0:
            merchant_id = demo_merchant
        status = "booked" if n % 4 else rng.choice(["attended", "attended", "no_show"])
        bookings.append(
            Booking(
                voucher_id=voucher_id,
                merchant_id=merchant_id,
                location_id=locations[merchant_id],
                day=today + dt.timedelta(days=(n % 7) - (0 if status == "booked" else 7)),
                status=status,
            )
        )
    Booking.objects.bulk_create(bookings)
    if manager is not None:
        month = dates.first_of(today)
        for back in (1, 0):
            first = month
            for _ in range(back):
                first = dates.previous_month(first)
            built = services.build_statements(first, acting_user=manager)
            if back >= 1:
                for statement in built:
                    services.approve(statement, acting_user=manager)
    return len(redemptions)


def _demo_customer(products: dict[str, ServiceProduct], demo_login: User | None) -> None:
    """The demo customer login gets a goodwill car wash and safety check (to see on the H5
    page), and one used at the demo merchant (to rate)."""
    customer_login = User.objects.filter(username="customer", customer__isnull=False).first()
    staff = User.objects.filter(username="service").first()
    if customer_login is None or staff is None or customer_login.customer is None:
        return
    reason = "演示：客户关怀 / demo: customer care"
    for code in ("car_wash", "safety_check", "car_wash"):
        services.issue_manual(
            customer_login.customer, products[code], acting_user=staff, reason=reason
        )
    if demo_login is not None:
        first = Voucher.objects.filter(customer=customer_login.customer, reason=reason).first()
        if first is not None:
            services.redeem(first.code, acting_user=demo_login)


def seed(stdout) -> None:
    if Redemption.objects.exists():  # seeded before: only the nightly expiry
        services.expire_vouchers(clock.today())
        stdout.write("  alliance: already seeded")
        return
    today = clock.today()
    products = _catalogue()
    demo_login = User.objects.filter(username="merchant", role=Role.MERCHANT_USER).first()
    merchants = _merchants(products, demo_login.partner_id if demo_login else None)
    # Vouchers of the policy years in force half a year ago and today (idempotent).
    issued = 0
    for back in (180, 0):
        issued += bulk.issue_for_book(today=today - dt.timedelta(days=back))["inserted"]
    _demo_customer(products, demo_login)
    redeemed = _activity(today, demo_login)
    services.expire_vouchers(today)
    stdout.write(
        f"  alliance: {len(products)} services, {merchants} merchants, {issued} vouchers, "
        f"{redeemed} redemptions with ratings, bookings and statements"
    )
