"""What each canonical table means to the database: columns, converters, keys, references.

One :class:`TableSpec` per table in ``schema.TABLES``; the loader is generic over them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from carecircle.claims.models import Claim, ClaimStatus
from carecircle.core import pii
from carecircle.core.models import OrgUnit, User
from carecircle.core.roles import Role
from carecircle.parties.choices import (
    CustomerKind,
    Energy,
    Gender,
    PartnerKind,
    TeamKind,
    VehicleUse,
)
from carecircle.parties.models import Customer, Partner, Team, Vehicle
from carecircle.policies.choices import Channel, CoverageCode, Currency, PolicyKind
from carecircle.policies.models import Coverage, Policy
from carecircle.touchpoints.choices import ContactType, Direction, Medium, Outcome
from carecircle.touchpoints.models import Interaction

from . import convert as c

RowProblems = list[tuple[str, str, str]]  # (column, code, message)


@dataclass(frozen=True)
class Column:
    name: str
    convert: c.Converter
    required: bool = False
    field: str | None = None  # model field; defaults to ``name``; "" = not stored directly

    @property
    def target(self) -> str:
        return self.name if self.field is None else self.field


@dataclass(frozen=True)
class Reference:
    """A column holding another table's business key, stored as a foreign key id."""

    column: str
    attname: str  # e.g. "customer_id"
    model: type[models.Model]
    key: str  # the referenced model's business-key field
    required: bool = True
    label: str = ""


@dataclass
class TableSpec:
    name: str
    model: type[models.Model]
    key_fields: tuple[str, ...]  # model fields forming the business key (after references)
    columns: list[Column]
    references: list[Reference] = field(default_factory=list)
    check: Callable[[dict[str, Any]], RowProblems] | None = None
    finish: Callable[[dict[str, Any]], None] | None = None  # derive stored fields (PII)
    ignore_in_compare: frozenset[str] = frozenset()
    sort_by: str | None = None
    derived_fields: tuple[str, ...] = ()  # set by ``finish`` / the loader, stored too
    # Phone, ID number and USCC unique across the book and the file (``unique.py``).
    unique_identities: bool = False

    def stored_fields(self) -> list[str]:
        names = [col.target for col in self.columns if col.target]
        names += [ref.attname for ref in self.references]
        names += list(self.derived_fields)
        return list(dict.fromkeys(names))

    def compare_fields(self) -> list[str]:
        return [f for f in self.stored_fields() if f not in self.ignore_in_compare]


PII_FIELDS = (
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
    "phone_last4",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
)


def customer_finish(values: dict[str, Any]) -> None:
    """Plain phone and ID number become ciphertext, blind index and mask; never stored plain."""
    phone = values.pop("phone", "") or ""
    id_number = values.pop("id_number", "") or ""
    values["phone_encrypted"] = pii.encrypt(phone) if phone else ""
    values["phone_hash"] = pii.blind_index(phone) if phone else ""
    values["phone_masked"] = pii.mask_phone(phone) if phone else ""
    values["phone_last4"] = phone[-4:] if phone else ""
    values["id_number_encrypted"] = pii.encrypt(id_number) if id_number else ""
    values["id_number_hash"] = pii.blind_index(id_number) if id_number else ""
    values["id_number_masked"] = pii.mask_id_number(id_number) if id_number else ""


# (column, rule, message) of each cross-column rule; ``vector.py`` applies the same rules to a
# whole frame, so both paths report a broken rule with the same words.
COMPANY_HAS_ID = (
    "id_number",
    "company_has_id",
    "企业客户不应有身份证号 / a company has no resident ID",
)
PERSON_HAS_USCC = ("uscc", "person_has_uscc", "个人客户不应有信用代码 / a person has no USCC")
EXPIRY_BEFORE_EFFECTIVE = (
    "expiry_date",
    "expiry_before_effective",
    "终保日期须晚于起保日期 / expiry date must be after the effective date",
)
REPORTED_BEFORE_ACCIDENT = (
    "reported_at",
    "reported_before_accident",
    "报案时间早于出险时间 / reported before the accident happened",
)


def _customer_check(v: dict[str, Any]) -> RowProblems:
    problems: RowProblems = []
    if v["kind"] == CustomerKind.COMPANY and v.get("id_number"):
        problems.append(COMPANY_HAS_ID)
    if v["kind"] == CustomerKind.PERSON and v.get("uscc"):
        problems.append(PERSON_HAS_USCC)
    return problems


def _policy_check(v: dict[str, Any]) -> RowProblems:
    return [EXPIRY_BEFORE_EFFECTIVE] if v["expiry_date"] <= v["effective_date"] else []


def _claim_check(v: dict[str, Any]) -> RowProblems:
    return [REPORTED_BEFORE_ACCIDENT] if v["reported_at"] < v["accident_at"] else []


# 机构: a row's unit by its code; an unknown code rejects the row (never a silent default).
# A blank one is filled by the rule in ``units.py`` (the selling unit, else the default).
UNIT = Reference("unit_code", "unit_id", OrgUnit, "code", required=False, label="unit")


def _values(choices: type[models.TextChoices]) -> list[str]:
    return [str(v) for v in choices.values]


SPECS: dict[str, TableSpec] = {
    "partners": TableSpec(
        "partners",
        Partner,
        ("code",),
        [
            Column("code", c.text(32), True),
            Column("name", c.text(128), True),
            Column("kind", c.choice(_values(PartnerKind), "partner kind"), True),
            Column("uscc", c.uscc),
            Column("brand", c.text(32)),
            Column("city", c.text(32)),
            Column("address", c.text(255)),
        ],
    ),
    "staff": TableSpec(
        "staff",
        User,
        ("username",),
        [
            Column("username", c.text(150), True),
            Column("display_name", c.text(64)),
            Column("role", c.choice(_values(Role), "role"), True),
            Column("team", c.text(64), field=""),
            Column("team_kind", c.optional(c.choice(_values(TeamKind), "team kind")), field=""),
            Column("employee_no", c.text(32)),
            Column("licence_no", c.text(64)),
        ],
        [Reference("partner_code", "partner_id", Partner, "code", required=False), UNIT],
        derived_fields=("team_id",),
    ),
    "customers": TableSpec(
        "customers",
        Customer,
        ("customer_no",),
        [
            Column("customer_no", c.text(32), True),
            Column("kind", c.choice(_values(CustomerKind), "customer kind"), True),
            Column("name", c.text(128), True),
            Column("gender", c.optional(c.choice(_values(Gender), "gender"))),
            Column("birth_date", c.optional(c.date)),
            Column("id_number", c.id_number, field=""),
            Column("uscc", c.uscc),
            Column("phone", c.mobile, field=""),
            Column("province", c.text(16)),
            Column("city", c.text(32)),
            Column("address", c.text(255)),
            Column("marketing_consent", c.boolean),
            Column("do_not_call_until", c.optional(c.date)),
            Column("first_insured_on", c.optional(c.date)),
        ],
        [Reference("owner_username", "owner_id", User, "username", required=False), UNIT],
        check=_customer_check,
        finish=customer_finish,
        derived_fields=PII_FIELDS,
        unique_identities=True,
        # Ciphertexts differ at every encryption (random nonce): compare the blind index.
        ignore_in_compare=frozenset({"phone_encrypted", "id_number_encrypted"}),
    ),
    "vehicles": TableSpec(
        "vehicles",
        Vehicle,
        ("vehicle_no",),
        [
            Column("vehicle_no", c.text(32), True),
            Column("plate", c.plate),
            Column("vin", c.vin),
            Column("brand", c.text(32)),
            Column("model", c.text(64)),
            Column("first_registration", c.optional(c.date)),
            Column("new_energy", c.boolean),
            Column("use", c.choice(_values(VehicleUse), "vehicle use"), True),
            Column("seats", c.integer(1, 99), True),
            Column("price", c.optional(c.money)),
            Column("vehicle_class", c.text(32)),
            # 车船税: engine size in litres and power source (battery-electric, fuel cell exempt).
            Column("displacement", c.optional(c.number(Decimal("0.01"), Decimal("99.99"), 2))),
            Column("energy", c.optional(c.choice(_values(Energy), "power source"))),
        ],
        [Reference("customer_no", "owner_id", Customer, "customer_no", label="customer")],
    ),
    "policies": TableSpec(
        "policies",
        Policy,
        ("policy_no",),
        [
            Column("policy_no", c.text(40), True),
            Column("kind", c.choice(_values(PolicyKind), "policy kind"), True),
            Column("effective_date", c.date, True),
            Column("expiry_date", c.date, True),
            Column("premium", c.money, True),
            Column("currency", c.choice(_values(Currency), "currency"), True),
            Column("ncd_level", c.optional(c.integer(-5, 5))),
            Column("ncd_coefficient", c.optional(c.coefficient)),
            Column("pricing_coefficient", c.optional(c.coefficient)),
            Column("channel", c.choice(_values(Channel), "channel"), True),
            Column("cancelled_on", c.optional(c.date)),
            Column("vehicle_tax", c.optional(c.money)),  # 车船税 collected with 交强险
        ],
        [
            Reference("customer_no", "customer_id", Customer, "customer_no", label="customer"),
            Reference("vehicle_no", "vehicle_id", Vehicle, "vehicle_no", label="vehicle"),
            Reference("partner_code", "partner_id", Partner, "code", required=False),
            Reference("agent_username", "agent_id", User, "username", required=False),
            Reference("renews_policy_no", "renews_id", Policy, "policy_no", required=False),
            UNIT,
        ],
        check=_policy_check,
        sort_by="effective_date",
    ),
    "coverages": TableSpec(
        "coverages",
        Coverage,
        ("policy_id", "code"),
        [
            Column("code", c.choice(_values(CoverageCode), "coverage"), True),
            Column("limit", c.optional(c.money)),
            Column("premium", c.money, True),
        ],
        [Reference("policy_no", "policy_id", Policy, "policy_no", label="policy")],
    ),
    "claims": TableSpec(
        "claims",
        Claim,
        ("claim_no",),
        [
            Column("claim_no", c.text(40), True),
            Column("coverage", c.choice(_values(CoverageCode), "coverage"), True),
            Column("accident_at", c.timestamp, True),
            Column("reported_at", c.timestamp, True),
            Column("amount_reserved", c.money, True),
            Column("amount_paid", c.money, True),
            # Recoveries as the core system records them (subrogation, salvage; #16).
            Column("amount_recovered", c.defaulted(c.money, Decimal("0.00"))),
            Column("currency", c.choice(_values(Currency), "currency"), True),
            Column("status", c.choice(_values(ClaimStatus), "claim status"), True),
            Column("injury", c.boolean),
            Column("paid_at", c.optional(c.timestamp)),
            Column("closed_at", c.optional(c.timestamp)),
            # The 交强险 floating rate: the insured's share of the fault (0 = not at fault;
            # blank = not recorded) and deaths (blank = none).
            Column("liability_share", c.optional(c.number(Decimal(0), Decimal(1), 3))),
            Column("deaths", c.defaulted(c.integer(0, 999), 0)),
        ],
        [
            Reference("policy_no", "policy_id", Policy, "policy_no", label="policy"),
            Reference("vehicle_no", "vehicle_id", Vehicle, "vehicle_no", label="vehicle"),
            # 送修: the repair or 4S shop the claim was referred to, when there was one.
            Reference("repair_shop_code", "repair_shop_id", Partner, "code", required=False),
            UNIT,
        ],
        check=_claim_check,
    ),
    "interactions": TableSpec(
        "interactions",
        Interaction,
        ("interaction_no",),
        [
            Column("interaction_no", c.text(40), True),
            Column("contact_type", c.choice(_values(ContactType), "contact type"), True),
            Column("medium", c.choice(_values(Medium), "medium"), True),
            Column("direction", c.choice(_values(Direction), "direction"), True),
            Column("occurred_at", c.timestamp, True),
            Column("summary", c.text(255)),
            Column("outcome", c.choice(_values(Outcome), "outcome"), True),
            Column("satisfaction", c.optional(c.integer(1, 5))),
        ],
        [
            Reference("customer_no", "customer_id", Customer, "customer_no", label="customer"),
            Reference("staff_username", "staff_id", User, "username", required=False),
            Reference("partner_code", "partner_id", Partner, "code", required=False),
            Reference("policy_no", "policy_id", Policy, "policy_no", required=False),
            Reference("claim_no", "claim_id", Claim, "claim_no", required=False),
        ],
    ),
}


def ensure_teams(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The staff table names teams; missing ones are created (team name → id)."""
    wanted = {(r.get("team") or "", r.get("team_kind") or TeamKind.TELESALES) for r in rows}
    wanted = {(name, kind) for name, kind in wanted if name}
    existing = dict(Team.objects.filter(name__in=[n for n, _ in wanted]).values_list("name", "pk"))
    for name, kind in wanted:
        if name not in existing:
            existing[name] = Team.objects.create(name=name, kind=kind).pk
    return existing
