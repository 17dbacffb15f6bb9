"""The bank's pages and commands (ADR 0016): a payment made without an account gets one on
the claim page; the bank page makes the batch file, takes the return file and shows paid, in
flight and returned; `carecircle claims bank-batch` and `bank-return` do the same from cron."""

import json
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from carecircle.claims import services
from carecircle.claims.models import BankReturnImport, Claim, ClaimPayment, PaymentBatch
from carecircle.claims.services import bank
from tests.claims.bank_support import insured_account, return_file
from tests.claims.services.test_workflow import approved_claim
from tests.factories.claims import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return staff()


def test_a_payment_without_an_account_gets_one_and_leaves_from_the_bank_page(client, today, people):
    handler = people["handler"]
    claim = approved_claim(people)
    p = services.pay(claim, acting_user=handler)  # the API's way: no account named
    assert p.account is None
    account = insured_account(claim, handler)
    client.force_login(handler)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert f'data-attach="{p.pk}"' in page and "待补账户 / no account yet" in page
    assert 'id="pay-form"' not in page  # the round's settlement exists: no second pay form
    r = client.post(f"/claims/payments/{p.pk}/account/", {"account": account.pk})
    assert r.status_code == 302
    assert ClaimPayment.objects.get(pk=p.pk).account == account
    r = client.post("/claims/bank/batches/", {"bank": "DEFAULT"})
    assert r.status_code == 302
    batch = PaymentBatch.objects.get()
    assert r.url == f"/claims/bank/?batch={batch.pk}"
    download = client.get(f"/claims/bank/batches/{batch.pk}/")
    assert download["Content-Disposition"] == f'attachment; filename="{batch.file_name}"'
    assert bank.reference(p).encode() in download.content
    p.refresh_from_db()
    upload = return_file((p, "F", "R07", "账户已销户"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        "/claims/bank/returns/", {"file": SimpleUploadedFile("r.csv", upload, "text/csv")}
    )
    assert r.status_code == 200 and 'data-already="0"' in r.content.decode()
    again = client.post(
        "/claims/bank/returns/", {"file": SimpleUploadedFile("r2.csv", upload, "text/csv")}
    )
    assert 'data-already="1"' in again.content.decode()
    page = client.get("/claims/bank/").content.decode()
    assert "R07 账户已销户" in page
    figures = bank.figures(ClaimPayment.objects.all())
    assert (figures.paid, figures.in_flight, figures.returned, figures.returned_open) == (
        D("0.00"),
        D("0.00"),
        D("6000.00"),
        1,
    )


def test_the_commands_send_a_batch_and_import_the_return_once(today, people, tmp_path, capsys):
    handler = people["handler"]
    claim = approved_claim(people)
    p = services.pay(claim, acting_user=handler, account=insured_account(claim, handler))
    out = tmp_path / "batch.csv"
    call_command("claims", "bank-batch", "--user", "handler1", "--out", str(out), "--bank", "ICBC")
    sent = json.loads(capsys.readouterr().out)
    assert (sent["count"], sent["total"], sent["encoding"]) == (1, "6000.00", "gbk")
    assert bank.reference(p) in out.read_bytes().decode("gbk")
    returns = tmp_path / "return.csv"
    p.refresh_from_db()
    line = f"{bank.reference(p)},0000,6000.00,ICBC1,,\r\n"
    returns.write_bytes(line.encode("gbk"))
    call_command("claims", "bank-return", str(returns), "--user", "handler1", "--bank", "ICBC")
    first = json.loads(capsys.readouterr().out)
    assert (first["already_imported"], first["confirmed"], first["errors"]) == (False, 1, [])
    call_command("claims", "bank-return", str(returns), "--user", "handler1", "--bank", "ICBC")
    second = json.loads(capsys.readouterr().out)
    assert (second["already_imported"], second["confirmed"]) == (True, 0)
    assert BankReturnImport.objects.count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "paid"
