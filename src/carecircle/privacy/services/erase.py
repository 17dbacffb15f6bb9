"""Deletion (PIPL Art 47) and what stands in its way (保险法第87条).

- ``art87`` reads a customer's policies and claims and says whether the law still keeps their
  records, and until when.
- ``restrict`` marks a customer whose records the law keeps: kept, but used for nothing beyond
  the contract and the law (``parties.consent`` allows no marketing and no sharing while
  ``restricted_at`` is set, whatever was consented).
- ``anonymise`` clears a customer's personal data everywhere it is held and keeps the rows
  other rows point to: name → 已匿名, mobile and ID (ciphertext, blind index, mask, last four),
  birth date, address, plates and VINs, contact addresses, free text about them; their login is
  closed. Idempotent: an anonymised customer is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from carecircle.claims.models import Claim
from carecircle.core import audit, clock, locks
from carecircle.core.models import AuditLog, User
from carecircle.notify.models import ContactAddress, LetterTask, Message
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Policy
from carecircle.renewals.models import Contact
from carecircle.touchpoints.models import Complaint, ComplaintEvent, Interaction, Referral, Survey

from .. import conf, rules

ANONYMOUS = "已匿名"


@dataclass(frozen=True)
class Art87:
    keeps: bool
    kept_until: dt.date | None  # None: no policy or claim at all; date.max: a claim is open


def art87(customer_id: int, today: dt.date | None = None) -> Art87:
    day = today or clock.today()
    contracts = [
        rules.Contract(e, x, c)
        for e, x, c in Policy.objects.filter(customer_id=customer_id).values_list(
            "effective_date", "expiry_date", "cancelled_on"
        )
    ]
    claims = [
        (
            clock_day(closed) if closed else None,
            (expiry - effective).days > rules.ONE_YEAR_DAYS,
        )
        for closed, effective, expiry in Claim.objects.filter(
            policy__customer_id=customer_id
        ).values_list("closed_at", "policy__effective_date", "policy__expiry_date")
    ]
    short, long = conf.get("ART87_YEARS_SHORT"), conf.get("ART87_YEARS_LONG")
    return Art87(
        rules.art87_keeps(contracts, claims, day, short=short, long=long),
        rules.art87_kept_until(contracts, claims, short=short, long=long),
    )


def clock_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def restrict(customer: Customer, *, acting_user: Any, reason: str) -> bool:
    """Restrict processing (once); True if it changed."""
    with transaction.atomic():
        c = locks.lock(Customer, pk=customer.pk)
        if c.restricted_at is not None:
            return False
        now = clock.now()
        c.restricted_at = now
        c.save(update_fields=["restricted_at", "updated_at"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            c,
            summary=f"processing restricted: {reason}"[:255],
            changes={"restricted_at": [None, now.isoformat()]},
        )
    return True


def anonymise(customer: Customer, *, acting_user: Any, reason: str) -> dict[str, int]:
    """Clear the customer's personal data (see the module's docstring); the counts of rows
    changed, kind by kind ({} when the customer was anonymised already)."""
    with transaction.atomic():
        c = locks.lock(Customer, pk=customer.pk)
        if c.anonymised_at is not None:
            return {}
        counts = _clear(c)
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            c,
            summary=f"anonymised: {reason}"[:255],
            changes={"anonymised": counts},
        )
    return counts


def _clear(c: Customer) -> dict[str, int]:
    now = clock.now()
    c.name = ANONYMOUS
    c.set_phone("")
    c.set_id_number("")
    c.birth_date = None
    c.gender = ""
    c.address = ""
    c.marketing_consent, c.marketing_consent_at = False, None
    c.anonymised_at = now
    c.restricted_at = c.restricted_at or now
    c.save()
    counts = {"customers": 1}
    counts["vehicles"] = Vehicle.objects.filter(owner=c).update(plate="", vin="")
    counts["contact_addresses"] = ContactAddress.objects.filter(customer=c).update(
        address_encrypted="", address_masked=""
    )
    counts["messages"] = Message.objects.filter(customer=c).update(
        subject="", body="", address_masked="", context={}
    )
    counts["letters"] = LetterTask.objects.filter(customer=c).update(address_masked="")
    counts["claims"] = Claim.objects.filter(policy__customer=c).update(
        description="", location="", customer_comment=""
    )
    counts["interactions"] = (
        Interaction.objects.filter(customer=c).exclude(summary="").update(summary="")
    )
    counts["complaints"] = Complaint.objects.filter(customer=c).update(
        summary=ANONYMOUS, details="", resolution=""
    )
    ComplaintEvent.objects.filter(complaint__customer=c).exclude(note="").update(note="")
    counts["surveys"] = Survey.objects.filter(customer=c).exclude(comment="").update(comment="")
    counts["calls"] = Contact.objects.filter(customer=c).update(note="", recording_ref="")
    counts["referrals"] = Referral.objects.filter(referred=c).update(
        referred_name=ANONYMOUS, referred_phone_masked=""
    )
    for user in User.objects.filter(customer=c):
        user.username = f"anonymised-{user.pk}"
        user.first_name = user.last_name = user.email = user.display_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return counts
