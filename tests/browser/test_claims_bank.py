"""A handler pays a third party; the bank's return file marks it returned (imported twice, it
changes nothing); the handler reissues to a corrected account; the claim shows paid once
(issue #16, ADR 0016). Screenshots go to docs/screenshots/ with CARECIRCLE_SCREENSHOTS=1."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from carecircle.claims import rulecache
from carecircle.claims.models import Claim, ClaimPayment
from carecircle.claims.services import bank
from carecircle.core import clock
from carecircle.core.roles import Role
from tests.claims.services.test_workflow import report, walk_to_adjusted
from tests.factories import UserFactory
from tests.factories.claims import policy_with_cover
from tests.playwright_fixtures import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HEADER = "reference,status,amount,bank_ref,reason_code,reason_text\r\n"


@pytest.fixture
def approved(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rulecache.clear()
    with clock.frozen_at(NOW):
        policy = policy_with_cover()
        handler = UserFactory(username="claims01", role=Role.CLAIMS_HANDLER)
        approver = UserFactory(username="approver01", role=Role.CLAIMS_APPROVER)
        claim = walk_to_adjusted(report(policy, handler), handler, parts="3000")
        from carecircle.claims import services

        services.approve(claim, acting_user=approver)
    return Claim.objects.get(pk=claim.pk)


def log_in(page, live_server, username, next_path):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.get_by_role("button", name="登录 / Log in").click()
    expect(page).to_have_url(live_server.url + next_path)


def upload_return(page, live_server, lines: list[str], name: str) -> None:
    page.goto(f"{live_server.url}/claims/bank/")
    content = (HEADER + "\r\n".join(lines) + "\r\n").encode()
    page.set_input_files(
        "#upload-returns input[type=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}],
    )
    page.locator("#upload-returns button").click()
    page.locator("#return-imported").wait_for()


def send_batch(page, live_server) -> str:
    """Make the batch file on the bank page and download it."""
    page.goto(f"{live_server.url}/claims/bank/")
    page.locator("#make-batch button").click()
    link = page.locator("#batches li a").first
    with page.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_a_returned_third_party_payment_is_reissued_and_the_claim_is_paid_once(
    page, live_server, approved
):
    claim = approved
    log_in(page, live_server, "claims01", f"/claims/{claim.pk}/")
    expect(page.locator("#claim-agreed")).to_have_text("¥6,000.00")

    # A third party with an account (the holder's name mistyped), verified by a call-back.
    form = page.locator("#add-payee")
    form.locator("select[name=kind]").select_option("third_party")
    form.locator("input[name=name]").fill("王建国")
    form.locator("input[name=id_number]").fill("330106198503150417")
    form.locator("input[name=number]").fill("6217001540012345678")
    form.locator("input[name=holder_name]").fill("王建华")
    form.locator("input[name=bank_name]").fill("中国建设银行杭州分行")
    form.locator("input[name=branch_code]").fill("105331000019")
    form.locator("button").click()
    expect(page.locator("#payees [data-account]").first).to_have_text("6217 **** **** 5678")
    # Someone other than who entered the account makes the call-back (ADR 0016).
    log_in(page, live_server, "approver01", f"/claims/{claim.pk}/")
    verify = page.locator("form[data-verify]").first
    verify.locator("select[name=how]").select_option("callback")
    verify.locator("input[name=note]").fill("致电王建国核对账号 / called back")
    verify.locator("button").click()
    expect(page.locator("#payees [data-verified]")).to_have_count(1)
    log_in(page, live_server, "claims01", f"/claims/{claim.pk}/")

    # Pay the third party: released at once (small, verified), not paid until the bank says so.
    page.locator("#pay-form button").click()
    row = page.locator("#payments tr[data-payment]").first
    expect(row).to_have_attribute("data-status", "approved")
    expect(page.locator("#claim-status")).to_have_text("已核赔 / Approved")
    expect(page.locator("#claim-paid")).to_have_text("¥0.00")
    first = ClaimPayment.objects.get(claim=claim)
    assert first.payee == "third_party"

    text = send_batch(page, live_server)
    assert bank.reference(first) in text and "6217001540012345678" in text

    # The bank returns it: the holder's name does not match the account.
    line = f"{bank.reference(first)},F,6000.00,,R03,户名与账号不符"
    upload_return(page, live_server, [line], "return-1.csv")
    expect(page.locator("#return-imported [data-returned]")).to_have_text("1")
    upload_return(page, live_server, [line], "return-1-again.csv")
    expect(page.locator("#return-imported")).to_have_attribute("data-already", "1")
    expect(page.locator("#payment-figures tr[data-figure=returned] td.num").first).to_have_text("1")

    # The payment task is open again, with the bank's reason; the handler corrects and reissues.
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    returned = page.locator(f"#payments tr[data-payment='{first.pk}']")
    expect(returned).to_have_attribute("data-status", "returned")
    expect(returned.locator("[data-return-reason]")).to_have_text("R03 户名与账号不符")
    expect(page.locator("[data-flag=payment_returned]")).to_contain_text("R03 户名与账号不符")
    reissue = page.locator(f"form[data-reissue='{first.pk}']")
    reissue.locator("input[name=number]").fill("6217001540012345999")
    reissue.locator("input[name=holder_name]").fill("王建国")
    reissue.locator("input[name=bank_name]").fill("中国建设银行杭州分行")
    reissue.locator("input[name=branch_code]").fill("105331000019")
    reissue.locator("button").click()
    expect(page.locator("#payments tr[data-payment]")).to_have_count(2)
    second = ClaimPayment.objects.get(reissue_of=first)
    # The new account is not verified yet: a second person releases the reissue.
    expect(page.locator(f"#payments tr[data-payment='{second.pk}']")).to_have_attribute(
        "data-status", "created"
    )
    log_in(page, live_server, "approver01", f"/claims/{claim.pk}/")
    page.locator(f"#payments tr[data-payment='{second.pk}'] [data-approve-payment]").click()
    expect(page.locator(f"#payments tr[data-payment='{second.pk}']")).to_have_attribute(
        "data-status", "approved"
    )
    log_in(page, live_server, "claims01", f"/claims/{claim.pk}/")

    text = send_batch(page, live_server)
    assert bank.reference(second) in text and "6217001540012345999" in text
    assert bank.reference(first) not in text
    upload_return(
        page, live_server, [f"{bank.reference(second)},S,6000.00,CCB0001,,"], "return-2.csv"
    )
    expect(page.locator("#return-imported [data-confirmed]")).to_have_text("1")

    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    expect(page.locator("#claim-status")).to_have_text("已支付 / Paid")
    expect(page.locator("#claim-paid")).to_have_text("¥6,000.00")  # once, not twice
    expect(page.locator("#payment-figures [data-figure=paid]")).to_have_text("¥6,000.00")
    expect(page.locator("#payment-figures [data-figure=returned]")).to_have_text("¥6,000.00")
    expect(page.locator("#timeline li[data-action=pay]")).to_have_count(1)
    expect(page.locator("#timeline li[data-action=payment_returned]")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "claims-bank-reissued.png"), full_page=True)
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == ("paid", first.amount)
