"""Lists that act (#16, ADR 0018): a black-listed customer's commercial renewal goes to the
underwriting referral queue (交强险 is still quoted); the underwriter accepts with conditions
or declines with a written reason; a grey-listed customer gets no coefficient below 1.0; the
customer's appeal succeeding (revocation) or the entry expiring removes every effect at once.
Every refusal names the list entry."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, OrgUnit, UnitLevel
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from carecircle.parties.models import CustomerListFlag, list_flag
from carecircle.policies.models import Policy
from carecircle.renewals.models import RenewalTask, UnderwritingReferral
from carecircle.renewals.services import underwriting, workspace
from carecircle.renewals.services.pipeline import run_pipeline
from carecircle.value.models import ListEntry
from carecircle.value.services import decisions, list_effects
from tests.factories import UserFactory

from ..conftest import AS_OF, expiring, make_seat

pytestmark = pytest.mark.django_db

EXPIRES = AS_OF + dt.timedelta(days=180)


@pytest.fixture
def boss():
    return UserFactory(username="boss", role=Role.MANAGER)


@pytest.fixture
def underwriter():
    return UserFactory(username="uw", role=Role.UNDERWRITER)


@pytest.fixture
def task(today, current_values):
    seat = make_seat("s1")
    lead = expiring(35, premium="3000.00")
    current_values(lead.customer, tier="gold", p="0.7", ltv="5000.00", premium="3855.00")
    run_pipeline()
    found = RenewalTask.objects.get()
    found.assignee = seat
    found.save(update_fields=["assignee"])
    return found


def listed(customer, kind, boss, note="三年多次小额赔案"):
    entry = ListEntry.objects.create(
        customer=customer,
        kind=kind,
        reasons=f"list_{kind},loss_ratio",
        evidence={"claims_3y": 6, "loss_ratio_credible": "1.85"},
    )
    return decisions.approve_list_entry(entry.pk, expires_on=EXPIRES, note=note, acting_user=boss)


def test_an_approved_black_entry_becomes_the_customers_effect_naming_it(task, boss):
    entry = listed(task.customer, "black", boss)
    flag = CustomerListFlag.objects.get(customer=task.customer)
    assert (flag.kind, flag.entry_id, flag.expires_on, flag.under_appeal) == (
        "black",
        entry.pk,
        EXPIRES,
        False,
    )
    assert flag.reasons_text == (
        "三年6次赔案，信度赔付率185% / 6 claims in 3 years, credible loss ratio 185%；"
        "审核意见 / decided because: 三年多次小额赔案 (→ 2026-10-28)"
    )
    assert flag.names == f"黑名单 #{entry.pk} / black list entry #{entry.pk}"


def test_a_black_listed_renewal_is_referred_and_only_compulsory_is_quoted(task, boss):
    entry = listed(task.customer, "black", boss)
    seat = task.assignee
    with pytest.raises(DomainError) as refused:
        workspace.make_quote(task, seat, Decimal("1.100"))
    assert refused.value.code == "referred"
    assert f"黑名单 #{entry.pk}" in refused.value.message
    assert "商业险已转核保" in refused.value.message
    referral = UnderwritingReferral.objects.get()
    assert (referral.task_id, referral.list_entry_id, referral.status, referral.referred_by) == (
        task.pk,
        entry.pk,
        "pending",
        seat,
    )
    assert referral.list_reasons == "list_black,loss_ratio"
    # 交强险 can never be refused: quoted alone, with its tax.
    quote = workspace.make_quote(task, seat, compulsory_only=True)
    assert (quote.compulsory_only, quote.commercial_premium, quote.compulsory_premium) == (
        True,
        Decimal("0.00"),
        Decimal("855.00"),
    )
    # a second refusal does not refer twice
    with pytest.raises(DomainError):
        workspace.make_quote(task, seat)
    assert UnderwritingReferral.objects.count() == 1


def test_accepted_with_conditions_the_seat_quotes_within_them(task, boss, underwriter):
    entry = listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    underwriting.decide(
        referral.pk,
        accept=True,
        acting_user=underwriter,
        min_pricing="1.2",
        excess_note="每次事故绝对免赔 1000 元",
        excluded_coverages="玻璃单独破碎险",
    )
    referral.refresh_from_db()
    assert (referral.status, referral.min_pricing_coefficient, referral.decided_by) == (
        "accepted",
        Decimal("1.200"),
        underwriter,
    )
    with pytest.raises(DomainError) as refused:
        workspace.make_quote(task, task.assignee, Decimal("1.100"))
    assert refused.value.code == "list_floor"
    assert f"黑名单 #{entry.pk}" in refused.value.message
    assert "自主定价系数不得低于 1.200" in refused.value.message
    quote = workspace.make_quote(task, task.assignee)  # the default moves up to the floor
    assert quote.pricing_coefficient == Decimal("1.200")
    assert quote.commercial_premium == Decimal("2880.00")  # 3000 × NCD 0.8 × 1.2
    assert AuditLog.objects.filter(
        object_type="renewals.underwritingreferral", summary="underwriting referral accepted"
    ).exists()


def test_declined_needs_a_reason_and_leaves_compulsory_only(task, boss, underwriter):
    entry = listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    with pytest.raises(DomainError) as no_reason:
        underwriting.decide(referral.pk, accept=False, acting_user=underwriter, reason="  ")
    assert no_reason.value.code == "reason_required"
    underwriting.decide(
        referral.pk, accept=False, acting_user=underwriter, reason="三年赔付率过高，不予续保商业险"
    )
    with pytest.raises(DomainError) as refused:
        workspace.make_quote(task, task.assignee)
    assert f"黑名单 #{entry.pk}" in refused.value.message
    assert "拒保理由：三年赔付率过高，不予续保商业险" in refused.value.message
    assert workspace.make_quote(task, task.assignee, compulsory_only=True).compulsory_only
    with pytest.raises(DomainError) as again:
        underwriting.decide(referral.pk, accept=True, acting_user=underwriter)
    assert again.value.code == "referral_decided"


def test_only_an_underwriter_in_scope_decides(task, boss):
    listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    with pytest.raises(PermissionDenied):
        underwriting.decide(referral.pk, accept=True, acting_user=task.assignee)
    province = OrgUnit.objects.create(
        code="44000000", name="广东分公司", level=UnitLevel.PROVINCE, parent=head_office()
    )
    elsewhere = UserFactory(username="uw_gd", role=Role.UNDERWRITER, unit=province)
    RenewalTask.objects.filter(pk=task.pk).update(unit=head_office())
    UnderwritingReferral.objects.filter(pk=referral.pk).update(unit=head_office())
    with pytest.raises(DomainError) as out_of_scope:
        underwriting.decide(referral.pk, accept=True, acting_user=elsewhere)
    assert out_of_scope.value.status == 404


def test_an_underwriters_minimum_stays_inside_the_regulatory_band(task, boss, underwriter):
    listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    with pytest.raises(DomainError) as refused:
        underwriting.decide(referral.pk, accept=True, acting_user=underwriter, min_pricing="1.6")
    assert refused.value.code == "min_pricing"


def test_grey_no_coefficient_below_one_naming_the_entry(task, boss):
    Policy.objects.filter(pk=task.policy_id).update(pricing_coefficient=Decimal("0.900"))
    entry = listed(task.customer, "grey", boss)
    task.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        workspace.make_quote(task, task.assignee, Decimal("0.950"))
    assert refused.value.code == "list_floor"
    assert refused.value.message.startswith(
        f"自主定价系数不得低于 1.000 / no pricing coefficient below 1.000 — 灰名单 #{entry.pk}"
    )
    quote = workspace.make_quote(task, task.assignee)  # last year's 0.9 moved up to 1.0
    assert quote.pricing_coefficient == Decimal("1.000")
    assert UnderwritingReferral.objects.count() == 0  # grey is not referred


def test_an_appeal_pending_keeps_the_effect(task, boss):
    entry = listed(task.customer, "black", boss)
    decisions.appeal_list_entry(entry.pk, text="赔案均为对方全责", acting_user=boss)
    flag = list_flag(task.customer_id)
    assert (flag.entry_id, flag.under_appeal) == (entry.pk, True)
    with pytest.raises(DomainError) as refused:
        workspace.make_quote(task, task.assignee)
    assert "（申诉中）/ (under appeal)" in refused.value.message


def test_the_appeal_succeeding_removes_every_effect_at_once(
    task, boss, django_capture_on_commit_callbacks
):
    Policy.objects.filter(pk=task.policy_id).update(pricing_coefficient=Decimal("0.900"))
    task.refresh_from_db()
    entry = listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    decisions.appeal_list_entry(entry.pk, text="赔案均为对方全责", acting_user=boss)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_appeal(entry.pk, uphold=False, note="申诉成立", acting_user=boss)
    assert list_flag(task.customer_id) is None
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert f"#{entry.pk}" in referral.reason
    quote = workspace.make_quote(task, task.assignee, Decimal("0.900"))  # no floor any more
    assert (quote.compulsory_only, quote.pricing_coefficient) == (False, Decimal("0.900"))


def test_a_black_entry_in_force_refers_the_open_renewal_before_a_seat_opens_it(
    task, boss, django_capture_on_commit_callbacks
):
    """The underwriter's queue holds the referral as soon as the entry acts, not only once a
    seat happens to open the task; the seat then finds that same referral."""
    with django_capture_on_commit_callbacks(execute=True):
        entry = listed(task.customer, "black", boss)
    referral = UnderwritingReferral.objects.get(task=task)
    assert (referral.status, referral.list_entry_id, referral.referred_by) == (
        "pending",
        entry.pk,
        None,
    )
    assert underwriting.refer(task, task.assignee) == referral
    assert underwriting.refer_open(task.customer_id) == 1  # again: still the one referral
    assert UnderwritingReferral.objects.count() == 1


def test_an_appeal_refused_keeps_the_effect_and_the_referral(
    task, boss, django_capture_on_commit_callbacks
):
    entry = listed(task.customer, "black", boss)
    referral = underwriting.refer(task, task.assignee)
    decisions.appeal_list_entry(entry.pk, text="不服", acting_user=boss)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_appeal(entry.pk, uphold=True, note="维持", acting_user=boss)
    referral.refresh_from_db()
    assert (list_flag(task.customer_id).entry_id, referral.status) == (entry.pk, "pending")


def test_expiry_ends_the_effect_even_before_the_nightly_job(task, boss, today):
    entry = listed(task.customer, "grey", boss)
    ListEntry.objects.filter(pk=entry.pk).update(expires_on=AS_OF - dt.timedelta(days=1))
    CustomerListFlag.objects.filter(entry_id=entry.pk).update(
        expires_on=AS_OF - dt.timedelta(days=1)
    )
    assert list_flag(task.customer_id) is None  # read as gone at once
    assert decisions.expire_due() == 1
    assert not CustomerListFlag.objects.filter(customer=task.customer).exists()


def test_black_over_grey_and_back_to_grey_when_black_ends(
    task, boss, django_capture_on_commit_callbacks
):
    grey = listed(task.customer, "grey", boss)
    black = listed(task.customer, "black", boss)
    assert list_flag(task.customer_id).entry_id == black.pk
    decisions.appeal_list_entry(black.pk, text="x", acting_user=boss)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_appeal(black.pk, uphold=False, note="撤销", acting_user=boss)
    flag = list_flag(task.customer_id)
    assert (flag.kind, flag.entry_id) == ("grey", grey.pk)


def test_the_backfill_command_syncs_entries_decided_before_the_flags(task, boss):
    entry = listed(task.customer, "black", boss)
    CustomerListFlag.objects.all().delete()
    assert list_effects.sync_all() == 1
    assert list_flag(task.customer_id).entry_id == entry.pk


def test_the_nightly_lists_command_expires_and_resyncs(task, boss, today):
    entry = listed(task.customer, "grey", boss)
    ListEntry.objects.filter(pk=entry.pk).update(expires_on=AS_OF - dt.timedelta(days=1))
    out = StringIO()
    call_command("value", "lists", stdout=out)
    # expiring the entry already removed its effect row (in the same transaction)
    assert out.getvalue().strip() == "list entries expired: 1; customers synced: 0"
    assert not CustomerListFlag.objects.exists()
