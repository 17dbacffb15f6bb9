"""One command from a fresh clone: database, demo book, one login per role, web server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery

from carecircle.core.keys import ALLOW_DEMO_KEYS_ENV
from carecircle.core.models import OrgUnit, UnitLevel, User
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from carecircle.ecosystem.models import Agreement
from carecircle.parties.models import Customer, Partner, Team
from carecircle.renewals.models import RenewalTask
from carecircle.touchpoints.models import Complaint
from carecircle.value.public import current_run
from carecircle.web.demo import demo_steps

DEMO_PASSWORD = "carecircle"  # noqa: S105 - printed on purpose: demo logins only
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("manager", Role.MANAGER, "王经理 / Manager (head office)"),
    ("teamlead", Role.SEAT, "李组长 / Telesales team leader"),
    ("seat", Role.SEAT, "张坐席 / Telesales seat"),
    ("agent", Role.SALES_AGENT, "陈代理 / Sales agent"),
    ("claims", Role.CLAIMS_HANDLER, "刘理赔 / Claims handler"),
    ("approver", Role.CLAIMS_APPROVER, "赵核赔 / Claims approver"),
    ("underwriter", Role.UNDERWRITER, "周核保 / Underwriter"),
    ("service", Role.SERVICE_MANAGER, "孙服务经理 / Service manager"),
    ("partner", Role.PARTNER_USER, "4S店用户 / 4S shop user"),
    ("merchant", Role.MERCHANT_USER, "商户用户 / Merchant user"),
    ("customer", Role.CUSTOMER, "客户 / Customer"),
]


class Command(BaseCommand):
    help = "Create the demo database, book and logins, then serve http://127.0.0.1:8000"

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare only (CI, scripts)")
        parser.add_argument(
            "--allow-database-url",
            action="store_true",
            help="load the demo into the non-SQLite database DATABASE_URL names (never production)",
        )

    def _value_book(self) -> None:
        """Fit the book models and value every customer once (tiers, reasons, Pareto)."""
        if current_run() is not None:
            return
        self.stdout.write("… fitting the book models and valuing customers / 客户价值计算")
        call_command("value", "fit", "--book", stdout=StringIO())
        call_command("value", "run", stdout=self.stdout, stderr=StringIO())

    def handle(self, *args, **options):
        problem = database_problem(
            settings.DATABASES["default"]["ENGINE"], allow=options["allow_database_url"]
        )
        if problem:
            raise CommandError(problem, returncode=2)
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("✓ database migrated / 数据库已就绪")
        if not Customer.objects.exists():
            self.stdout.write(f"… generating a demo book of {options['customers']:,} customers")
            call_command(
                "generate", customers=options["customers"], seed=options["seed"], into_db=True
            )
        logins = create_demo_logins()
        self._value_book()
        for label, step in demo_steps():
            step_started = time.perf_counter()
            step(self.stdout)
            self.stdout.write(f"✓ {label} ready in {time.perf_counter() - step_started:.1f} s")
        placed = place_unplaced_rows()
        if any(placed.values()):
            self.stdout.write(f"✓ units given to rows the steps made without one: {placed}")
        elapsed = time.perf_counter() - started
        self.stdout.write(f"✓ demo ready in {elapsed:.0f} s / 演示数据已就绪")
        self.stdout.write(f"\nDemo logins (password / 密码: {DEMO_PASSWORD}):")
        seats = dict(
            User.objects.filter(username__in=[u for u, _, _ in logins]).values_list(
                "username", "unit__name"
            )
        )
        for username, role, label in logins:
            where = seats.get(username) or "—"
            self.stdout.write(f"  {username:<10} {role:<16} {label}  [{where}]")
        call_command("stats")
        if not options["no_serve"]:
            self.stdout.write(f"\nServing http://{options['addrport']}/  (Ctrl-C to stop)")
            worker = start_task_worker()
            self.stdout.write("✓ task worker started / 后台任务已启动 (carecircle worker)")
            # runserver builds carecircle.wsgi, which refuses the demo keys without the opt-in.
            os.environ[ALLOW_DEMO_KEYS_ENV] = "1"
            try:
                call_command("runserver", options["addrport"], use_reloader=False)
            finally:
                worker.terminate()
                worker.wait(10)


def database_problem(engine: str, *, allow: bool) -> str | None:
    """The demo writes a synthetic book and demo logins (password ``carecircle``): on a host whose
    DATABASE_URL names a server database that is likely production. Only SQLite, unless asked."""
    if allow or engine.endswith("sqlite3"):
        return None
    return (
        "演示只写入 SQLite：DATABASE_URL 指向其他数据库（可能是生产库）；确需如此请加 "
        "--allow-database-url / The demo writes to SQLite only: DATABASE_URL names another "
        "database (production?); add --allow-database-url if you really mean it"
    )


def start_task_worker() -> subprocess.Popen:
    """Work done after a page has answered (a claim report's red-flag and fast-track checks,
    nightly jobs enqueued by hand) needs the worker, as it does in production. The worker is a
    ``carecircle`` command, so it passes the key check: the demo gives its children the
    explicit opt-in to the demo keys (core/keys.py; never set in production)."""
    return subprocess.Popen(
        [sys.executable, "-m", "carecircle.cli", "worker", "--no-startup-delay", "--no-reload",
         "--interval", "0.5"],
        env=demo_child_env(),
    )  # fmt: skip


def demo_child_env() -> dict[str, str]:
    """The environment of a process the demo starts: its own, plus the demo-keys opt-in."""
    return {**os.environ, ALLOW_DEMO_KEYS_ENV: "1"}


def demo_units() -> dict[str, OrgUnit]:
    """Where the demo logins sit (机构), worked out from the book so a re-run finds the same:
    the demo city is the 中心支公司 with the most customers, the demo branch its 支公司 with the
    most customers. Head office for the manager and the service manager (each runs national
    work: the admin, moves in the tree, the alliance catalogue and settlement, agreements and
    complaints, the cockpit); the seat, the team leader and the agent in the demo 支公司 (a
    telesales team and an agent sell in a 支公司); the claims handler and the approver at the
    demo 中心支公司 (claims are handled for a whole city)."""
    root = head_office()
    busiest = (
        OrgUnit.objects.filter(level=UnitLevel.CITY)
        .annotate(n=Count("children__customers"))
        .order_by("-n", "code")
        .values_list("pk", flat=True)
    )
    city_pk = busiest.first()
    city: OrgUnit = OrgUnit.objects.get(pk=city_pk) if city_pk else root
    branch_pk = (
        OrgUnit.objects.filter(parent=city, level=UnitLevel.SUB_BRANCH)
        .annotate(n=Count("customers"))
        .order_by("-n", "code")
        .values_list("pk", flat=True)
        .first()
    )
    branch: OrgUnit = OrgUnit.objects.get(pk=branch_pk) if branch_pk else city
    return {
        "manager": root,
        "service": root,
        "seat": branch,
        "teamlead": branch,
        "agent": branch,
        "claims": city,
        "approver": city,
        "underwriter": city,
    }


@transaction.atomic
def create_demo_logins() -> list[tuple[str, str, str]]:
    """Idempotent: re-running the demo keeps the same logins, units and ownerships."""
    units = demo_units()
    team, _ = Team.objects.get_or_create(
        name="电销一组 / Telesales team 1", defaults={"kind": "telesales"}
    )
    users: dict[str, User] = {}
    for username, role, label in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "display_name": label.split(" / ")[0]}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.role = role
        user.is_staff = role == Role.MANAGER  # the manager may open the admin
        user.is_superuser = role == Role.MANAGER
        if username in units and user.unit_id is None:  # a transfer made later is kept
            user.unit = units[username]
        user.save()
        users[username] = user
    team.leader = users["teamlead"]
    team.unit = team.unit or units["teamlead"]
    team.save()
    User.objects.filter(username__in=["teamlead", "seat"]).update(team=team)

    # Give the seat, the agent and the team leader a book of their own (责任落实): customers
    # of their channel in their own city move to them from the generated staff.
    demo_users = [u.pk for u in users.values()]
    city = units["claims"]
    local = Customer.objects.filter(unit__path__startswith=city.path)
    for username, channel in (("seat", "telesales"), ("agent", "agent"), ("teamlead", "direct")):
        if not Customer.objects.filter(owner=users[username]).exists():
            ids = list(
                local.filter(policies__channel=channel)
                .exclude(owner__in=demo_users)
                .values_list("pk", flat=True)
                .distinct()[:300]
            )
            Customer.objects.filter(pk__in=ids).update(owner=users[username])

    shop = (
        Partner.objects.filter(kind="four_s_shop", policies__unit__path__startswith=city.path)
        .annotate(n=Count("policies"))
        .order_by("-n", "pk")
        .first()
    ) or Partner.objects.filter(kind="four_s_shop").order_by("pk").first()
    merchant = Partner.objects.filter(kind="merchant").order_by("pk").first()
    customer = (
        local.annotate(v=Count("vehicles", distinct=True), c=Count("policies__claims"))
        .filter(v__gte=2, c__gte=1)
        .order_by("pk")
        .first()
        or local.order_by("pk").first()
        or Customer.objects.order_by("pk").first()
    )
    User.objects.filter(pk=users["partner"].pk).update(partner=shop)
    User.objects.filter(pk=users["merchant"].pk).update(partner=merchant)
    if (
        customer
        and not User.objects.filter(customer=customer).exclude(pk=users["customer"].pk).exists()
    ):
        User.objects.filter(pk=users["customer"].pk).update(customer=customer)
    return DEMO_LOGINS


def place_unplaced_rows() -> dict[str, int]:
    """Rows the demo steps wrote straight to the tables (not through a service that sets the
    unit) get one: an agreement the 中心支公司 of its partner's city (the 分公司 of a
    municipality), a complaint and a renewal task their customer's unit."""
    by_city = dict(OrgUnit.objects.filter(level=UnitLevel.CITY).values_list("city", "pk"))
    by_city.update(
        (province, pk)
        for province, pk in OrgUnit.objects.filter(level=UnitLevel.PROVINCE).values_list(
            "province", "pk"
        )
        if province not in by_city
    )
    agreements = 0
    for agreement in Agreement.objects.filter(unit__isnull=True).select_related("partner"):
        unit = by_city.get(agreement.partner.city)
        if unit is not None:
            Agreement.objects.filter(pk=agreement.pk).update(unit_id=unit)
            agreements += 1
    customer_unit = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("unit")[:1])
    complaints = Complaint.objects.filter(unit__isnull=True).update(unit=customer_unit)
    tasks = RenewalTask.objects.filter(unit__isnull=True).update(unit=customer_unit)
    return {"agreements": agreements, "complaints": complaints, "renewal_tasks": tasks}
