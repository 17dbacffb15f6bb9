"""The parties to a policy (投保人, 被保险人, 车主) and a company's contact people.

``Policy.customer`` stays what it always was, the policyholder who applied and pays — the
applicant (投保人) — so every existing reader (renewals, claims, value, access) keeps working.
``PolicyParty`` lists who else the policy is about, one row per role: the insured (被保险人)
and the vehicle's owner (车主). A policy with no party rows is read as "its customer is the
policyholder" (a book loaded before parties were recorded); ``policy_parties.roles_by_policy``
and the pages apply that fallback. After an ownership transfer (过户) the insured and owner
rows point at the new owner from the transfer date (``since``); the applicant stays.

A company customer (``Customer.kind == company``) acts through contact people. Their mobile
numbers are personal data, kept as ``PhoneMixin`` keeps a customer's: encrypted, blind-indexed
and masked, never in clear.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.core.access import Action, Reach, RestrictedQuerySet
from carecircle.core.models import TimeStampedModel
from carecircle.parties.models import PhoneMixin

from .choices import PartyRole


class CompanyContactQuerySet(RestrictedQuerySet):
    # Seen by whoever sees the company; partners do not see a company's people.
    reach = {Action.VIEW: Reach(customer="company")}


class CompanyContact(PhoneMixin, TimeStampedModel):
    """A person who acts for a company customer (fleet manager, finance clerk)."""

    company = models.ForeignKey(
        "parties.Customer",
        on_delete=models.CASCADE,
        related_name="company_contacts",
        verbose_name=_("企业客户 / company"),
    )
    name = models.CharField(_("联系人 / contact person"), max_length=64)
    title = models.CharField(_("职务 / title"), max_length=64, blank=True)
    active = models.BooleanField(_("有效 / active"), default=True)

    objects = CompanyContactQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.company_id})"


class PolicyPartyQuerySet(RestrictedQuerySet):
    # A party row is about its customer; partners see the parties of the policies they brought,
    # whole-book staff those of their unit's policies.
    reach = {
        Action.VIEW: Reach(customer="customer", partner="policy__partner", unit="policy__unit")
    }


class PolicyParty(models.Model):
    """One role on one policy: who the applicant, the insured or the vehicle's owner is."""

    # The unique (policy, role) index serves lookups by policy; no second index on policy_id.
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.CASCADE, related_name="parties", db_index=False
    )
    customer = models.ForeignKey(
        "parties.Customer", on_delete=models.PROTECT, related_name="policy_roles"
    )
    role = models.CharField(_("角色 / role"), max_length=12, choices=PartyRole.choices)
    contact = models.ForeignKey(
        CompanyContact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("联系人 / contact person"),
        help_text=_("企业作为当事人时 / when the party is a company"),
    )
    since = models.DateField(
        _("起始日期 / since"),
        null=True,
        blank=True,
        help_text=_(
            "过户后自该日起 / set when a transfer re-pointed the role; empty: from the start"
        ),
    )

    objects = PolicyPartyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "policy parties"
        constraints = [
            models.UniqueConstraint(fields=["policy", "role"], name="policy_party_once_per_role"),
            models.CheckConstraint(
                condition=Q(role__in=PartyRole.values), name="policy_party_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.role} {self.customer_id}"
