"""Demo claims in various states on the demo book (idempotent)."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import User
from carecircle.parties.models import Partner
from carecircle.policies.models import Policy

from . import demo_reserves, services
from .choices import Action, ReportChannel
from .demo_bank import seed_bank
from .models import Claim, RepairTerms
from .services.clocks import reevaluate_open_claims


def seed(stdout: Any) -> None:
    if (
        Claim.objects.filter(source__startswith="report:")
        .filter(description__startswith="[演示]")
        .exists()
    ):
        stdout.write("claims demo: already seeded\n")
        return
    handler = User.objects.filter(username="claims").first()
    approver = User.objects.filter(username="approver").first()
    manager = User.objects.filter(username="manager").first()
    if handler is None or approver is None or manager is None:
        stdout.write("claims demo: logins missing, skipped\n")
        return
    for partner in Partner.objects.filter(kind__in=("repair_shop", "four_s_shop"))[:12]:
        four_s = partner.kind == "four_s_shop"
        RepairTerms.objects.get_or_create(
            shop=partner,
            defaults={
                "labour_rate": Decimal("200.00" if four_s else "120.00"),
                "list_labour_rate": Decimal("400.00" if four_s else "180.00"),
                "parts_factor": Decimal("0.970" if four_s else "0.900"),
                "capacity_per_week": 40 if four_s else 15,
            },
        )
    today = clock.today()
    customer_login = User.objects.filter(username="customer").select_related("customer").first()
    # The demo claims sit where the handler works (机构: the policy's unit, in their subtree).
    handled = Policy.objects.restrict(handler)
    candidates = list(
        handled.filter(kind="commercial").in_force_on(today).exclude(ncd_coefficient=None)
        .filter(effective_date__lte=today - dt.timedelta(days=60))
        # Claims are on vehicle damage: a policy without it would pay nothing.
        .filter(coverages__code="vehicle_damage").distinct()
        .order_by("pk")[:7]
    )  # fmt: skip
    if customer_login and customer_login.customer_id:
        own = (
            Policy.objects.filter(customer_id=customer_login.customer_id, kind="commercial")
            .in_force_on(today)
            .filter(coverages__code="vehicle_damage")
            .first()
        )
        if own is not None:
            candidates.insert(0, own)
    now = timezone.localtime(clock.now())
    shop = Partner.objects.filter(
        kind__in=("repair_shop", "four_s_shop"), repair_terms__active=True
    ).first()

    def rep(policy, **kw):
        claim = services.report_claim(
            acting_user=handler, policy=policy, accident_at=now - dt.timedelta(hours=5),
            description="[演示] " + kw.pop("text"), channel=ReportChannel.PHONE, **kw,
        )  # fmt: skip
        # Screen now so the demo does not wait for the worker; the queued task then finds
        # the claim screened and does nothing (idempotent).
        services.screen(claim.pk)
        claim.refresh_from_db()
        return claim

    def walk(claim, until, **assess):
        steps = [Action.DISPATCH, Action.SURVEY, Action.REGISTER, Action.ASSESS]
        for action in steps:
            if until == action:
                return claim
            data = assess if action == Action.ASSESS else {}
            claim = services.transition(claim, action, acting_user=handler, data=data)
        if claim.injury:
            claim = services.transition(claim, Action.START_INJURY, acting_user=handler)
        claim = services.transition(claim, Action.CHECK_LOSS, acting_user=handler)
        return services.transition(
            claim, Action.ADJUST, acting_user=handler, data={"liability_share": "1"}
        )

    made = 0
    if len(candidates) >= 5:
        p = candidates
        rep(
            p[0],
            text="小区停车被剐蹭",
            single_vehicle=True,
            liability_clear=True,
            customer_estimate="1800",
        )
        c = rep(p[1], text="追尾前车，全责", liability_clear=True)
        walk(c, Action.ASSESS)
        c = rep(p[2], text="路口碰撞，对方受伤", injury=True)
        c = walk(c, None, parts="42000", labour="6000", paint="4000")
        with contextlib.suppress(DomainError):  # above the approver's limit: escalated
            services.approve(c, acting_user=approver)
        injury = c
        c = rep(p[3], text="倒车撞墙", single_vehicle=True)
        c = walk(c, None, parts="6000", labour="1200", paint="800")
        services.approve(c, acting_user=approver)
        insured = c  # paid through the bank below (demo_bank)
        c = rep(p[4], text="酒后驾驶单车事故", single_vehicle=True)
        for action in (Action.DISPATCH, Action.SURVEY, Action.REGISTER):
            c = services.transition(c, action, acting_user=handler)
        services.transition(
            c, Action.REJECT, acting_user=approver, reason="驾驶人饮酒，属责任免除条款"
        )
        if shop is not None and len(p) > 5:
            c = rep(p[5], text="车门凹陷，需补充维修发票")
            services.transition(
                c, Action.REQUEST_DOCUMENTS, acting_user=handler, reason="维修发票、驾驶证"
            )
        made = 6
        injured = None  # a third party paid, the bank returns it (demo_bank)
        if len(p) > 6:
            c = rep(p[6], text="追尾，前车(第三者)车损由我司赔付", liability_clear=True)
            c = walk(c, None, parts="3000", labour="600", paint="400")
            services.approve(c, acting_user=approver)
            injured, made = c, 7
        stdout.write(seed_bank(handler, manager, insured, injured))
        demo_reserves.seed(stdout, handler=handler, injury=injury, repaired=insured)  # #16
    stdout.write(f"claims demo: {made} claims in various states\n")
    # The book's imported claims carry no clocks yet: evaluate them now, as the nightly run
    # would, so the dashboard and `claims_clocks` agree from the first page.
    run = reevaluate_open_claims()
    stdout.write(
        f"claims demo: clocks of {run.claims} open claims evaluated, {run.breached} breached\n"
    )
