"""Options and calibration constants of the synthetic book (figures in docs/calibration.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DEFAULT_REFERENCE_DATE = dt.date(2026, 11, 22)
DEFAULT_CHUNK_SIZE = 100_000


@dataclass(frozen=True)
class Calibration:
    """Tuned so a generated book lands on DOMAIN.md's calibration figures: the targets and
    tolerances are ``datagen.calibration.TARGETS``, the measured figures docs/calibration.md,
    and tests/datagen/test_calibration.py fails when a change drifts them."""

    company_share: float = 0.07
    # persons owning 1 / 2 / 3 / 4 vehicles
    vehicles_per_person: tuple[float, ...] = (0.85, 0.128, 0.02, 0.002)
    company_extra_vehicles_p: float = 0.35  # geometric: a company has 2 + Geom(p) − 1 vehicles
    company_max_vehicles: int = 15
    # share of vehicles entering the book in policy year 0 / 1 / 2 (new business each year)
    entry_year: tuple[float, ...] = (0.64, 0.18, 0.18)
    # brand-new cars among the book in force at policy year 0, and among later new business
    new_car_share: float = 0.09
    new_business_new_car_share: float = 0.40
    # used cars entering with no usable prior record (ownership transfer, record not found)
    no_prior_record_share: float = 0.03
    # more drivers now claim (below) and a claim lowers renewal (book.py): 0.75 keeps the
    # measured rate of policies that reached expiry near 73 %
    renewal_rate: float = 0.75
    cancellation_rate: float = 0.012
    commercial_take_up: float = 0.93
    vehicle_damage_take_up: float = 0.88
    # Accidents per vehicle-year (negative binomial: Poisson × Gamma(shape)). An accident
    # reaches the insurer when a third party is involved (compulsory claim) or the insured
    # claims own damage; others are settled privately and never appear in the book.
    # Under the post-2020 NCD rule (claims − insured years, N ≤ 3) an average coefficient of
    # 0.75 needs about a third of a counted commercial claim per vehicle-year, near DOMAIN.md's
    # own-damage frequency (40 %): 0.42 × 0.51 keeps compulsory claims at 0.23, the rest are
    # single-vehicle accidents, and 4 in 5 damaged cars claim (docs/calibration.md).
    event_frequency: float = 0.42
    risk_shape: float = 1.0  # motor claim counts: negative binomial shape about 1–2
    third_party_involved: float = 0.51
    injury_share: float = 0.06
    own_damage_given_event: float = 0.80  # accidents whose own damage is claimed (with cover)
    void_share: float = 0.04
    # lognormal severities: (log median, sigma). Third-party losses are one amount per
    # accident, layered: compulsory pays up to its sub-limits (property 2,000; injury 198,000),
    # commercial third-party pays the excess up to its limit.
    own_damage_severity: tuple[float, float] = (7.8, 1.0)  # mean claim about ¥4,200
    third_party_property_severity: tuple[float, float] = (6.6, 1.6)
    third_party_injury_severity: tuple[float, float] = (9.3, 1.5)
    seat_severity: tuple[float, float] = (8.6, 0.8)
    # commercial base premium: own damage = fixed + rate × actual value
    own_damage_fixed: float = 360.0
    own_damage_rate: float = 0.0100
    new_energy_rate_factor: float = 1.9
    third_party_limits: tuple[int, ...] = (500_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000)
    third_party_limit_p: tuple[float, ...] = (0.05, 0.25, 0.2, 0.3, 0.2)
    third_party_base: tuple[float, ...] = (720.0, 900.0, 995.0, 1080.0, 1215.0)
    # autonomous pricing coefficient: centre and spread before the regulatory band clips it
    pricing_centre: float = 0.84
    pricing_spread: float = 0.10
    # insurers load new-energy vehicles through the autonomous pricing coefficient
    new_energy_pricing_loading: float = 0.28


@dataclass(frozen=True)
class GenerateOptions:
    customers: int
    seed: int = 0
    reference_date: dt.date = DEFAULT_REFERENCE_DATE
    chunk_size: int = DEFAULT_CHUNK_SIZE
    workers: int = 1
    calibration: Calibration = field(default_factory=Calibration)

    @property
    def chunks(self) -> int:
        return max(1, -(-self.customers // self.chunk_size))

    def chunk_bounds(self, chunk: int) -> tuple[int, int]:
        start = chunk * self.chunk_size
        return start, min(self.customers, start + self.chunk_size)
