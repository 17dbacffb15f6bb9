"""The commercial no-claim discount (NCD, 无赔款优待系数) after the 2020 reform. Pure: no
database; the history comes from ``claims.selectors.history`` and the settings from
``policies.conf`` (docs/domain.md, DOMAIN.md "No-claim discount").

level = M − N over the vehicle's unbroken run of insured years under the same owner, newest
first: N = insured years in the run counted at most 3, M = claims in those same years. Capped
at the ladder's top (+5). A level below −3 needs more clean years: −4 needs ≥ 4 consecutive
claim-free insured years, −5 (11-level ladders: Beijing, Xiamen) ≥ 5. New car, no record,
ownership transfer (过户) or a prior short-term policy → 0, the chain starts again. A gap in
cover (脱保) before the new policy: under 3 months nothing changes; 3–6 months discounts are
lost but a malus is kept (max(0, M − N)); over 6 months → 0. Between two past years a gap of
3 months or more ends the run (the older years are outside it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from carecircle.core.dates import add_months
from carecircle.core.errors import DomainError

from . import conf

THREE = Decimal("0.001")


@dataclass(frozen=True)
class InsuredYear:
    """One past policy year of the vehicle (``expiry`` exclusive) and its counted claims."""

    effective: dt.date
    expiry: dt.date
    claims: int
    short_term: bool = False  # known short-term (短期险); a term under the setting is one too
    # Consecutive claim-free insured years just before this one that the history does not hold
    # (a book keeps a few years; the level recorded on this year's policy proves them, see
    # ``clean_years_proved``). Read only on the oldest year of the history.
    clean_before: int = 0


def clean_years_proved(recorded_level: int | None) -> int:
    """Claim-free insured years a policy's recorded level proves before it: −3 needs M = 0 over
    N = 3, −4 four clean years, −5 five; a higher level proves none (−2 may be 1 claim − 3)."""
    if recorded_level is None or recorded_level > -3:
        return 0
    return -recorded_level


def _ladder(raw: Mapping) -> dict[int, Decimal]:
    return {int(k): Decimal(str(v)).quantize(THREE) for k, v in raw.items()}


def ladder_for(province: str = "", city: str = "") -> dict[int, Decimal]:
    """The region's level → coefficient ladder (setting NCD_LADDERS_BY_REGION, keys matched as
    a prefix of the city first, then the province), else NCD_LADDER."""
    regions: Mapping[str, Mapping] = conf.get("NCD_LADDERS_BY_REGION")
    for place in (city, province):
        for key, ladder in regions.items():
            if place and place.startswith(key):
                return _ladder(ladder)
    return _ladder(conf.get("NCD_LADDER"))


def level_range(province: str = "", city: str = "") -> tuple[int, int]:
    """(lowest, highest) level on the region's ladder: (−4, 5), or (−5, 5) in Beijing/Xiamen."""
    ladder = ladder_for(province, city)
    return min(ladder), max(ladder)


def coefficient(level: int, *, province: str = "", city: str = "") -> Decimal:
    """The coefficient of ``level`` on the region's ladder; a level off it is refused."""
    return NcdRules.from_settings(province=province, city=city).coefficient(level)


@dataclass(frozen=True)
class NcdRules:
    """The settings one NCD decision uses (passed in so hypothesis can vary them)."""

    ladder: Mapping[int, Decimal]
    look_back: int = 3
    unbroken_months: int = 3
    reset_months: int = 6
    short_term_days: int = 360

    @classmethod
    def from_settings(cls, *, province: str = "", city: str = "") -> NcdRules:
        return cls(
            ladder=ladder_for(province, city),
            look_back=int(conf.get("NCD_LOOK_BACK_YEARS")),
            unbroken_months=int(conf.get("NCD_GAP_UNBROKEN_MONTHS")),
            reset_months=int(conf.get("NCD_GAP_RESET_MONTHS")),
            short_term_days=int(conf.get("NCD_SHORT_TERM_DAYS")),
        )

    @property
    def min_level(self) -> int:
        return min(self.ladder)

    @property
    def max_level(self) -> int:
        return max(self.ladder)

    def coefficient(self, level: int) -> Decimal:
        if level not in self.ladder:
            low, high = _signed(self.min_level), _signed(self.max_level)
            raise DomainError(
                "ncd_level",
                f"NCD等级 {_signed(level)} 不在本地区系数表中（{low}…{high}） / NCD level "
                f"{_signed(level)} is not on this region's ladder ({low} to {high})",
                "ncd_level",
            )
        return Decimal(self.ladder[level]).quantize(THREE)

    def short(self, year: InsuredYear) -> bool:
        return year.short_term or (year.expiry - year.effective).days < self.short_term_days


# Why the level is what it is (explain() words each one).
NEW, TRANSFERRED, SHORT_TERM, RESET, LAPSE, RUN = (
    "new",
    "transferred",
    "short_term",
    "reset",
    "lapse",
    "run",
)


@dataclass(frozen=True)
class Assessment:
    level: int
    cause: str  # NEW, TRANSFERRED, SHORT_TERM, RESET (gap > 6 months), LAPSE (3–6), RUN
    insured_years: int = 0  # N: insured years counted (≤ 3)
    claims: int = 0  # M: claims in those years
    clean_years: int = 0  # consecutive claim-free insured years, newest first
    rules: NcdRules | None = None

    @property
    def coefficient(self) -> Decimal:
        return (self.rules or NcdRules.from_settings()).coefficient(self.level)


def _check(counts: Sequence[int] | np.ndarray) -> None:
    negative = (counts < 0).any() if isinstance(counts, np.ndarray) else any(c < 0 for c in counts)
    if negative:
        raise DomainError(
            "ncd_claims", "出险次数不能为负 / claim counts cannot be negative", "claims"
        )


def _run(years: Sequence[InsuredYear], rules: NcdRules) -> list[InsuredYear]:
    """The unbroken run from the newest year back: a short-term year or a gap of
    ``unbroken_months`` or more between two years ends it."""
    run: list[InsuredYear] = []
    for year in years:
        if rules.short(year):
            break
        if run and run[-1].effective >= add_months(year.expiry, rules.unbroken_months):
            break
        run.append(year)
    return run


def _newest_first(history: Sequence[InsuredYear], start: dt.date) -> list[InsuredYear]:
    _check([y.claims for y in history])
    return sorted((y for y in history if y.effective < start), key=lambda y: y.effective)[::-1]


def unbroken_run(
    history: Sequence[InsuredYear], start: dt.date, *, rules: NcdRules | None = None
) -> list[InsuredYear]:
    """The insured years a policy starting on ``start`` continues without a break (gap under
    ``unbroken_months``), newest first; empty after a longer gap or a short-term policy. The
    calculator projects future renewals on it."""
    rules = rules or NcdRules.from_settings()
    years = _newest_first(history, start)
    if not years or start >= add_months(years[0].expiry, rules.unbroken_months):
        return []
    return _run(years, rules)


def _counts(run: Sequence[InsuredYear], years: Sequence[InsuredYear]) -> list[int]:
    """Claims per insured year of the run, newest first, with the clean years the oldest
    stored year proves when the run reaches it."""
    counts = [y.claims for y in run]
    if run and len(run) == len(years):
        counts += [0] * run[-1].clean_before
    return counts


def unbroken_counts(
    history: Sequence[InsuredYear], start: dt.date, *, rules: NcdRules | None = None
) -> list[int]:
    """Claims per year of ``unbroken_run``, with the clean years proved before the oldest."""
    rules = rules or NcdRules.from_settings()
    return _counts(unbroken_run(history, start, rules=rules), _newest_first(history, start))


def _level(counts: Sequence[int], rules: NcdRules) -> tuple[int, int, int, int]:
    """(level, N, M, clean years) of an unbroken run's claims per year, newest first."""
    counted = counts[: rules.look_back]
    n, m = len(counted), sum(counted)
    clean = 0
    for count in counts:
        if count:
            break
        clean += 1
    level = m - n
    if m == 0 and n == rules.look_back:
        # Levels below −N need as many clean insured years as the level (−4: 4, −5: 5).
        level = -max(n, clean)
    return max(rules.min_level, min(rules.max_level, level)), n, m, clean


def level_from_counts(claims: Sequence[int], *, rules: NcdRules | None = None) -> int:
    """The level after continuous years renewed on time by one owner with ``claims`` per
    year, newest first (the calculator's future renewals); ``[]`` → 0."""
    rules = rules or NcdRules.from_settings()
    _check(claims)
    return _level(list(claims), rules)[0] if len(claims) else 0


def assess(
    history: Sequence[InsuredYear],
    start: dt.date,
    *,
    transferred: bool = False,
    rules: NcdRules | None = None,
) -> Assessment:
    """The level for a policy starting on ``start`` and how it was reached."""
    rules = rules or NcdRules.from_settings()
    years = _newest_first(history, start)
    if transferred:
        return Assessment(0, TRANSFERRED, rules=rules)
    if not years:
        return Assessment(0, NEW, rules=rules)
    newest = years[0]
    if start > add_months(newest.expiry, rules.reset_months):
        return Assessment(0, RESET, rules=rules)
    run = _run(years, rules)
    if not run:
        return Assessment(0, SHORT_TERM, rules=rules)
    level, n, m, clean = _level(_counts(run, years), rules)
    if start >= add_months(newest.expiry, rules.unbroken_months):
        return Assessment(max(0, level), LAPSE, n, m, clean, rules)
    return Assessment(level, RUN, n, m, clean, rules)


def ncd_level(
    history: Sequence[InsuredYear],
    start: dt.date,
    *,
    transferred: bool = False,
    rules: NcdRules | None = None,
) -> int:
    """The NCD level of a commercial policy starting on ``start``; ``history`` = the owner's
    prior insured years of the vehicle, newest first (any order is accepted)."""
    return assess(history, start, transferred=transferred, rules=rules).level


def _number(value: Decimal) -> str:
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _signed(level: int) -> str:
    return str(level).replace("-", "−")


def explain(assessment: Assessment) -> str:
    """A short bilingual reason for the quote page, e.g. "近3个保险年度出险1次，连续投保3年：
    等级−2，系数0.7 / 1 claim in the last 3 insured years, 3 consecutive insured years: level
    −2, NCD 0.7"."""
    a = assessment
    rules = a.rules or NcdRules.from_settings()
    result_zh = f"等级{_signed(a.level)}，系数{_number(a.coefficient)}"
    result_en = f"level {_signed(a.level)}, NCD {_number(a.coefficient)}"
    if a.cause == NEW:
        return f"无往年投保记录（新车）：{result_zh} / no prior insured year (new car): {result_en}"
    if a.cause == TRANSFERRED:
        return (
            f"车辆过户，重新起算：{result_zh} / ownership transferred, the chain starts again: "
            f"{result_en}"
        )
    if a.cause == SHORT_TERM:
        return (
            f"上年为短期险，重新起算：{result_zh} / the last policy was short-term, the chain "
            f"starts again: {result_en}"
        )
    if a.cause == RESET:
        return (
            f"脱保超过{rules.reset_months}个月，重新起算：{result_zh} / cover lapsed over "
            f"{rules.reset_months} months, the chain starts again: {result_en}"
        )
    claims_en = f"{a.claims} claim{'' if a.claims == 1 else 's'}"
    years_en = f"{a.insured_years} insured year{'' if a.insured_years == 1 else 's'}"
    zh = f"近{a.insured_years}个保险年度出险{a.claims}次，连续投保{a.insured_years}年"
    en = f"{claims_en} in the last {years_en}, {a.insured_years} consecutive insured years"
    if a.level < -a.insured_years:
        zh = f"连续{a.clean_years}年投保未出险"
        en = f"{a.clean_years} consecutive claim-free insured years"
    if a.cause == LAPSE:
        zh += f"，脱保{rules.unbroken_months}–{rules.reset_months}个月不享受优待"
        en += f", a {rules.unbroken_months}–{rules.reset_months} month lapse loses the discount"
    return f"{zh}：{result_zh} / {en}: {result_en}"


def ncd_levels(
    claims: np.ndarray,
    insured: np.ndarray,
    *,
    gap_months: np.ndarray | None = None,
    transferred: np.ndarray | None = None,
    rules: NcdRules | None = None,
) -> np.ndarray:
    """``ncd_level`` for many vehicles at once (the synthetic-data generator).

    ``claims``/``insured`` are (n, years) with the year just before the new policy *last*
    (oldest first, the generator's layout); an uninsured year ends the run (a year's gap).
    ``gap_months``: whole months between the last year's expiry and the new policy (0 when
    renewed on time); ``transferred``: a new chain. Equal to the scalar rule (hypothesis).
    """
    rules = rules or NcdRules.from_settings()
    claims = np.asarray(claims, dtype=np.int64)
    insured = np.asarray(insured, dtype=bool)
    _check(claims)
    n, years = claims.shape
    run = np.zeros(n, dtype=np.int64)
    counted_claims = np.zeros(n, dtype=np.int64)
    clean = np.zeros(n, dtype=np.int64)
    going = np.ones(n, dtype=bool)
    clean_going = np.ones(n, dtype=bool)
    for back in range(1, years + 1):
        col = years - back
        going &= insured[:, col]
        run += going
        if back <= rules.look_back:
            counted_claims += np.where(going, claims[:, col], 0)
        clean_going &= going & (claims[:, col] == 0)
        clean += clean_going
    counted_years = np.minimum(run, rules.look_back)
    level = counted_claims - counted_years
    deep = (counted_claims == 0) & (counted_years == rules.look_back)
    level = np.where(deep, -np.maximum(counted_years, clean), level)
    level = np.clip(level, rules.min_level, rules.max_level)
    if gap_months is not None:
        gap = np.asarray(gap_months)
        level = np.where(gap >= rules.unbroken_months, np.maximum(level, 0), level)
        level = np.where(gap > rules.reset_months, 0, level)
    if transferred is not None:
        level = np.where(np.asarray(transferred, dtype=bool), 0, level)
    return level
