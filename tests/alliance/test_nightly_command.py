"""The nightly cron entry point: issues what is missing and expires what ended, idempotently."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from carecircle.alliance.models import Voucher
from tests.factories.alliance import ProductFactory, VoucherFactory

pytestmark = pytest.mark.django_db


def test_nightly_command_expires_vouchers_past_their_last_day_once():
    wash = ProductFactory()
    ended = VoucherFactory(product=wash, valid_until=dt.date(2026, 3, 1))
    running = VoucherFactory(product=wash, valid_until=dt.date(2026, 3, 2))
    out = StringIO()
    call_command("alliance", "nightly", "--date", "2026-03-02", stdout=out)
    assert json.loads(out.getvalue())["expired"] == 1
    assert Voucher.objects.get(pk=ended.pk).status == "expired"
    assert Voucher.objects.get(pk=running.pk).status == "issued"  # its last day is today
    again = StringIO()
    call_command("alliance", "nightly", "--date", "2026-03-02", stdout=again)
    assert json.loads(again.getvalue())["expired"] == 0
