"""Adjustment (理算) in Decimal: compulsory insurance first within its limits, the liability
share, the deductible, coverage limits, and 互碰自赔. Pure; hand-worked examples in
docs/claims.md and tests/claims/rules/test_adjustment.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from carecircle.core.errors import DomainError
from carecircle.core.money import ZERO, to_money


@dataclass(frozen=True)
class CompulsoryLimits:
    death_disability: Decimal
    medical: Decimal
    property: Decimal


@dataclass(frozen=True)
class Loss:
    own_damage: Decimal = ZERO  # the insured car (vehicle-damage coverage)
    other_vehicle_damage: Decimal = ZERO  # the other car(s)
    third_party_property: Decimal = ZERO  # anything else of a third party
    medical: Decimal = ZERO  # third parties' medical costs
    death_disability: Decimal = ZERO
    liability_share: Decimal = Decimal("1")  # the insured's share, 0..1
    multi_vehicle: bool = False
    all_parties_at_fault: bool = False
    deductible: Decimal = ZERO  # absolute deductible on vehicle damage
    vehicle_damage_limit: Decimal | None = None  # None: not covered
    third_party_limit: Decimal | None = None  # None: not covered
    # False when the vehicle's 交强险 is not with us (or not linked): its lines show what it
    # would pay, payable 0, and 三者险 still pays only the part above the compulsory limits.
    compulsory_insured: bool = True


@dataclass(frozen=True)
class Line:
    coverage: str
    head: str
    loss: Decimal
    payable: Decimal
    note: str


@dataclass(frozen=True)
class Adjustment:
    lines: list[Line] = field(default_factory=list)
    mutual_collision: bool = False

    @property
    def total(self) -> Decimal:
        return to_money(sum((line.payable for line in self.lines), ZERO))

    def as_dict(self) -> dict:
        return {
            "mutual_collision": self.mutual_collision,
            "total": str(self.total),
            "lines": [
                {
                    "coverage": ln.coverage,
                    "head": ln.head,
                    "loss": str(ln.loss),
                    "payable": str(ln.payable),
                    "note": ln.note,
                }
                for ln in self.lines
            ],
        }


def _check(loss: Loss) -> None:
    amounts = (
        loss.own_damage,
        loss.other_vehicle_damage,
        loss.third_party_property,
        loss.medical,
        loss.death_disability,
        loss.deductible,
    )
    if any(a < 0 for a in amounts):
        raise DomainError("negative_amount", "金额不能为负 / amounts cannot be negative", "loss")
    if not Decimal("0") <= loss.liability_share <= Decimal("1"):
        raise DomainError(
            "liability_share", "责任比例须在0到1之间 / liability share must be 0 to 1", "share"
        )


def mutual_collision_applies(loss: Loss, cap: Decimal) -> bool:
    """互碰自赔: every party at fault, each car's damage ≤ cap, no injury or other property."""
    return (
        loss.compulsory_insured
        and loss.multi_vehicle
        and loss.all_parties_at_fault
        and loss.liability_share > 0
        and loss.own_damage <= cap
        and loss.other_vehicle_damage <= cap
        and loss.third_party_property == 0
        and loss.medical == 0
        and loss.death_disability == 0
    )


def adjust(
    loss: Loss,
    at_fault: CompulsoryLimits,
    not_at_fault: CompulsoryLimits,
    mutual_collision_cap: Decimal,
) -> Adjustment:
    _check(loss)
    share = loss.liability_share
    if mutual_collision_applies(loss, mutual_collision_cap):
        paid = to_money(loss.own_damage)
        return Adjustment(
            [Line("compulsory", "own_damage", paid, paid, "互碰自赔：本车损失由本方交强险赔付")],
            mutual_collision=True,
        )
    lim = at_fault if share > 0 else not_at_fault
    lines: list[Line] = []
    property_loss = loss.other_vehicle_damage + loss.third_party_property
    c_property = min(property_loss, lim.property)
    c_medical = min(loss.medical, lim.medical)
    c_death = min(loss.death_disability, lim.death_disability)
    for head, lost, paid, limit in (
        ("property", property_loss, c_property, lim.property),
        ("medical", loss.medical, c_medical, lim.medical),
        ("death_disability", loss.death_disability, c_death, lim.death_disability),
    ):
        if lost > 0 and loss.compulsory_insured:
            lines.append(
                Line(
                    "compulsory",
                    head,
                    to_money(lost),
                    to_money(paid),
                    f"交强险先赔，限额 {to_money(limit)} / compulsory first, limit "
                    f"{to_money(limit)}",
                )
            )
        elif lost > 0:
            lines.append(
                Line(
                    "compulsory",
                    head,
                    to_money(lost),
                    ZERO,
                    f"交强险不在本公司承保，由承保公司先赔至限额 {to_money(limit)} / 交强险 "
                    f"is not with us: its insurer pays first up to {to_money(limit)}",
                )
            )
    excess = (property_loss - c_property) + (loss.medical - c_medical)
    excess += loss.death_disability - c_death
    if excess > 0:
        if loss.third_party_limit is None:
            lines.append(
                Line("third_party", "excess", to_money(excess), ZERO, "未投保三者险 / not covered")
            )
        else:
            by_share = to_money(excess * share)
            paid = min(by_share, loss.third_party_limit)
            note = f"超出交强险部分 × 责任比例 {share} / excess × liability share {share}"
            if paid < by_share:
                note += f"; 限额 {to_money(loss.third_party_limit)} / capped at the limit"
            lines.append(Line("third_party", "excess", to_money(excess), to_money(paid), note))
    if loss.own_damage > 0:
        if loss.vehicle_damage_limit is None:
            lines.append(
                Line(
                    "vehicle_damage",
                    "own_damage",
                    to_money(loss.own_damage),
                    ZERO,
                    "未投保车损险 / not covered",
                )
            )
        else:
            by_share = to_money(loss.own_damage * share)
            after_deductible = max(by_share - loss.deductible, ZERO)
            paid = min(after_deductible, loss.vehicle_damage_limit)
            note = (
                f"本车损失 × 责任比例 {share} − 免赔额 {to_money(loss.deductible)} / own damage × "
                f"share − deductible"
            )
            if paid < after_deductible:
                note += f"; 限额 {to_money(loss.vehicle_damage_limit)} / capped at the limit"
            lines.append(
                Line(
                    "vehicle_damage", "own_damage", to_money(loss.own_damage), to_money(paid), note
                )
            )
    return Adjustment(lines)


def nothing_payable_reason(result: Adjustment) -> str:
    """Why an adjustment came to 0, from its lines' notes (``not covered``, a liability share of
    0, …), or that no loss was entered."""
    if not result.lines:
        return (
            "未录入任何损失(本车定损、对方车损、财产、医疗、死亡伤残) / no loss entered: the own "
            "car's assessment, the other car, property, medical or death and disability"
        )
    return "；".join(
        f"{ln.coverage}/{ln.head} {ln.loss}: {ln.note}" for ln in result.lines if ln.payable == 0
    )
