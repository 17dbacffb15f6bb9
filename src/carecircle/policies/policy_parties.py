"""The parties to a policy: recording them, reading them with the policyholder fallback, and a
company's contact people (models in ``models_parties``; docs/parties-and-transfers.md).

``Policy.customer`` is the applicant (投保人). A new policy records applicant = insured =
owner = its customer (``default_parties_for``, also the bulk helper for a generated or
imported book); a transfer (``policies.endorsements``) re-points the insured and the owner.
A policy without party rows reads as "its customer is the policyholder".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, QuerySet

from carecircle.core import audit
from carecircle.core.bulk import OnConflict, insert_rows
from carecircle.core.errors import DomainError, invalid
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm
from carecircle.core.validators import check_mobile
from carecircle.parties.choices import CustomerKind
from carecircle.parties.models import Customer
from carecircle.parties.services import require_perm, require_visible

from .choices import POLICYHOLDER, POLICYHOLDER_LABEL, PartyRole
from .models import Policy
from .models_parties import CompanyContact, PolicyParty

# The order roles are shown in: applicant, insured, owner; the fallback last.
ROLE_ORDER = {role: n for n, role in enumerate([*PartyRole.values, POLICYHOLDER])}


def default_parties_for(
    policies: QuerySet[Policy] | pl.DataFrame | Iterable[Policy | Sequence[int]],
) -> int:
    """Applicant = insured = owner = the policy's customer, for each policy given: a Policy
    queryset (a loaded book: ``Policy.objects.filter(source="generate")``), a Polars frame
    with ``policy_id`` and ``customer_id`` columns, Policy rows or ``(policy_id,
    customer_id)`` pairs. Roles a policy already has are left as they are, so it is safe to
    run again.

    A queryset is copied inside the database (``INSERT … SELECT … ON CONFLICT DO NOTHING``,
    one statement per role, nothing read into Python) and a frame in one bulk insert (COPY
    into a staging table on PostgreSQL): both return the rows written. A few policies (a sale,
    an issued proposal) go in one ``INSERT … ON CONFLICT DO NOTHING``, returning the rows
    sent."""
    if isinstance(policies, QuerySet):
        return _parties_in_database(policies)
    if isinstance(policies, pl.DataFrame):
        frame = policies.select(
            pl.col("policy_id").cast(pl.Int64), pl.col("customer_id").cast(pl.Int64)
        )
        if frame.is_empty():
            return 0
        rows = frame.unique("policy_id", keep="first", maintain_order=True).join(
            pl.DataFrame({"role": PartyRole.values}), how="cross"
        )
        return insert_rows(PolicyParty, rows, conflict=OnConflict.do_nothing("policy", "role"))
    pairs = dict(
        (p.pk, p.customer_id) if isinstance(p, Policy) else (int(p[0]), int(p[1])) for p in policies
    )
    made = PolicyParty.objects.bulk_create(
        [
            PolicyParty(policy_id=policy_id, customer_id=customer_id, role=role)
            for policy_id, customer_id in pairs.items()
            for role in PartyRole.values
        ],
        ignore_conflicts=True,
    )
    return len(made)


def _parties_in_database(policies: QuerySet[Policy]) -> int:
    table = PolicyParty._meta.db_table
    using = policies.db
    connection = connections[using]
    q = connection.ops.quote_name
    chosen = policies.order_by().values(party_policy=F("pk"), party_customer=F("customer_id"))
    inner, params = chosen.query.sql_with_params()
    written = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for role in PartyRole.values:
            # WHERE true: SQLite needs it to read ON CONFLICT after a SELECT.
            cursor.execute(
                f"INSERT INTO {q(table)} ({q('policy_id')}, {q('customer_id')}, {q('role')}) "  # noqa: S608
                f"SELECT p.{q('party_policy')}, p.{q('party_customer')}, %s FROM ({inner}) p "
                "WHERE true "
                f"ON CONFLICT ({q('policy_id')}, {q('role')}) DO NOTHING",
                [role, *params],
            )
            written += max(cursor.rowcount, 0)
    return written


def roles_label(roles: Iterable[str]) -> str:
    """The roles as "投保人 · 被保险人 / Applicant · Insured", in the usual order."""
    labels = [
        str(POLICYHOLDER_LABEL if r == POLICYHOLDER else PartyRole(r).label)
        for r in sorted(set(roles), key=ROLE_ORDER.__getitem__)
    ]
    zh = " · ".join(label.split(" / ")[0] for label in labels)
    en = " · ".join(label.split(" / ")[-1] for label in labels)
    return f"{zh} / {en}" if labels else ""


@dataclass(frozen=True)
class Party:
    role: str
    customer_id: int
    contact_id: int | None = None
    since: Any = None

    @property
    def label(self) -> str:
        return roles_label([self.role])


def parties_of(policy: Policy) -> list[Party]:
    """The policy's parties by role, from ``policy.parties.all()`` (prefetch it for a list):
    its customer as the policyholder when none are recorded."""
    rows = sorted(policy.parties.all(), key=lambda p: ROLE_ORDER[p.role])
    if not rows:
        return [Party(POLICYHOLDER, policy.customer_id)]
    return [Party(p.role, p.customer_id, p.contact_id, p.since) for p in rows]


def roles_in(
    policy: Policy, customer_id: int, recorded: Iterable[str], *, has_parties: bool
) -> list[str]:
    """The roles ``customer_id`` holds on ``policy``: the ``recorded`` ones, or, when the
    policy has no party rows at all, the policyholder for its customer."""
    roles = sorted(set(recorded), key=ROLE_ORDER.__getitem__)
    if not roles and not has_parties and policy.customer_id == customer_id:
        return [POLICYHOLDER]
    return roles


def add_company_contact(
    company: Customer, *, acting_user, name: str, phone: str = "", title: str = ""
) -> CompanyContact:
    """A contact person for a company customer. The mobile number is checked and kept as a
    customer's is (encrypted, blind-indexed, masked); the audit names the person, never the
    number."""
    require_perm(acting_user, Perm.EDIT_CUSTOMERS)
    require_visible(company, acting_user)
    if company.kind != CustomerKind.COMPANY:
        raise DomainError(
            "not_a_company",
            "只有企业客户有联系人 / only a company customer has contact people",
            "company_id",
        )
    name = (name or "").strip()
    if not name:
        raise DomainError("required", "联系人姓名必填 / the contact's name is required", "name")
    try:
        phone = check_mobile(phone) if phone else ""
    except ValidationError as exc:
        raise invalid("phone", exc) from None
    with transaction.atomic():
        contact = CompanyContact(company=company, name=name[:64], title=(title or "")[:64])
        contact.set_phone(phone)
        contact.save()
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            contact,
            summary=f"contact {contact.name} for {company.customer_no}",
            changes={"phone": [None, contact.phone_masked or None]},
        )
    return contact
