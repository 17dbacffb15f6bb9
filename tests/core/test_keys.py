"""Keys (#21, finding 1; ADR 0019): the one key check, the key fingerprint each encrypted value
carries, lookups during a rotation, and `carecircle keys check | fingerprint | rotate` run
in-process. The console script's gate and a rotation killed with SIGKILL are in
test_keys_cli.py."""

from __future__ import annotations

import base64
import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from carecircle.core import keys, pii
from carecircle.parties.models import Customer
from tests.core.real_keys import FIELD_KEY, OTHER_FIELD_KEY, SECRET_KEY
from tests.factories import (
    BankAccountFactory,
    ContactAddressFactory,
    CustomerFactory,
    PartnerContactFactory,
    PaymentBatchFactory,
    PaymentPayeeFactory,
)

DEMO_SECRET_EN = "SECRET_KEY is not set (the public demo value)"
NO_FIELD_KEY_EN = "CARECIRCLE_FIELD_KEY is not set"


@pytest.fixture
def real_keys(settings):
    settings.SECRET_KEY = SECRET_KEY
    settings.FIELD_ENCRYPTION_KEY = FIELD_KEY
    settings.FIELD_ENCRYPTION_KEYS_PREVIOUS = []
    return settings


def _english(problems) -> list[str]:
    return [en for _, en in problems]


# ---- the check ------------------------------------------------------------------------------


def test_the_demo_keys_fail_the_check_unless_the_demo_opts_in(settings, monkeypatch):
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV, raising=False)
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""

    assert _english(keys.key_problems()) == [DEMO_SECRET_EN, NO_FIELD_KEY_EN]
    assert keys.key_problems(allow_demo=True) == []
    monkeypatch.setenv(keys.ALLOW_DEMO_KEYS_ENV, "1")
    assert keys.check_keys() is None


def test_real_keys_pass_the_check(real_keys, monkeypatch):
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV, raising=False)
    assert keys.key_problems() == []
    assert keys.check_keys() is None


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("x", "SECRET_KEY is too weak (at least 50 characters, 5 different)"),
        ("ab" * 40, "SECRET_KEY is too weak (at least 50 characters, 5 different)"),
        ("django-insecure-" + SECRET_KEY, "SECRET_KEY is too weak (at least 50 characters, 5 different)"),
    ],
    ids=["one-character", "two-different-characters", "django-insecure-prefix"],
)  # fmt: skip
def test_a_weak_secret_key_is_refused_even_with_the_demo_opt_in(real_keys, secret, expected):
    real_keys.SECRET_KEY = secret
    assert _english(keys.key_problems(allow_demo=True)) == [expected]


@pytest.mark.parametrize(
    ("field_key", "expected"),
    [
        ("YWJj", "CARECIRCLE_FIELD_KEY is not the urlsafe base64 of a 32-byte key (3 bytes, not 32)"),
        ("not base64!", "CARECIRCLE_FIELD_KEY is not the urlsafe base64 of a 32-byte key (not urlsafe base64)"),
        (base64.urlsafe_b64encode(b"\0" * 32).decode(), "CARECIRCLE_FIELD_KEY is not random (too few different bytes)"),
        (
            base64.urlsafe_b64encode(hashlib.sha256(b"carecircle-insecure-demo-secret-change-me").digest()).decode(),
            "CARECIRCLE_FIELD_KEY is derived from the public demo key",
        ),
    ],
    ids=["three-bytes", "not-base64", "all-zero", "sha256-of-the-demo-secret"],
)  # fmt: skip
def test_a_bad_field_key_is_refused_even_with_the_demo_opt_in(real_keys, field_key, expected):
    real_keys.FIELD_ENCRYPTION_KEY = field_key
    assert _english(keys.key_problems(allow_demo=True)) == [expected]


def test_a_demo_derived_sub_key_used_as_the_field_key_is_refused(real_keys):
    sub_key = pii._field_key(real_keys.INSECURE_DEFAULT_SECRET.encode(), "demo").encrypt_key
    real_keys.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(sub_key).decode()
    assert _english(keys.key_problems()) == [
        "CARECIRCLE_FIELD_KEY is derived from the public demo key"
    ]


def test_a_malformed_previous_key_is_named(real_keys):
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [OTHER_FIELD_KEY, "YWJj"]
    assert _english(keys.key_problems()) == [
        "CARECIRCLE_FIELD_KEYS_PREVIOUS entry 2 is not a 32-byte key (3 bytes, not 32)"
    ]


def test_the_message_is_one_line_saying_what_is_wrong_and_what_to_set(settings, monkeypatch):
    monkeypatch.delenv(keys.ALLOW_DEMO_KEYS_ENV, raising=False)
    settings.SECRET_KEY = "x"
    settings.FIELD_ENCRYPTION_KEY = ""
    message = keys.check_keys()
    assert message == (
        "密钥不可用：SECRET_KEY 太弱（至少 50 个字符、5 种字符）；CARECIRCLE_FIELD_KEY 未设置。"
        "请设置 SECRET_KEY 和 CARECIRCLE_FIELD_KEY（uv run carecircle keys new 生成；"
        "docs/operations.md「Keys」） / Keys not usable: SECRET_KEY is too weak (at least 50 "
        "characters, 5 different); CARECIRCLE_FIELD_KEY is not set. Set SECRET_KEY and "
        "CARECIRCLE_FIELD_KEY (`uv run carecircle keys new` makes new ones; "
        "docs/operations.md, Keys)"
    )


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["carecircle"], False),
        (["carecircle", "--help"], False),
        (["carecircle", "import_data", "a.csv"], True),
        (["carecircle", "import_data", "--help"], False),
        (["carecircle", "db_worker"], True),
        (["carecircle", "worker"], True),
        (["carecircle", "value", "run"], True),
        (["carecircle", "notify", "flush"], True),
        (["carecircle", "stats"], True),
        (["carecircle", "shell"], True),
        (["carecircle", "serve"], True),
        (["carecircle", "generate", "--into-db"], True),
        (["carecircle", "generate", "--out", "book"], False),
        (["carecircle", "migrate"], False),
        (["carecircle", "makemigrations", "--check", "--dry-run"], False),
        (["carecircle", "check", "--fail-level", "WARNING"], False),
        (["carecircle", "collectstatic"], False),
        (["carecircle", "demo"], False),
        (["carecircle", "keys", "check"], False),
    ],
)
def test_which_commands_need_real_keys(argv, needed):
    assert keys.needs_keys(argv) is needed


# ---- the fingerprint on every value ---------------------------------------------------------


def test_a_new_value_carries_the_fingerprint_of_its_key_never_the_key(real_keys):
    token = pii.encrypt("13800138000")
    fingerprint = pii.fingerprint_of_field_key(FIELD_KEY)

    assert token.startswith(f"v2:{fingerprint}:")
    assert len(fingerprint) == 10 and int(fingerprint, 16) >= 0
    assert fingerprint not in FIELD_KEY and fingerprint not in base64.b64decode(FIELD_KEY).hex()
    assert pii.fingerprint_of(token) == fingerprint
    assert pii.decrypt(token) == "13800138000"


def test_a_value_written_under_the_demo_key_is_recognisable(settings):
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""
    token = pii.encrypt("13800138000")

    assert pii.fingerprint_of(token) == pii.demo_fingerprint()
    settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY = SECRET_KEY, FIELD_KEY
    assert pii.key_of(token).role == "demo"


def test_the_fingerprint_is_authenticated_a_relabelled_value_does_not_open(real_keys):
    token = pii.encrypt("13800138000")
    relabelled = token.replace(pii.current_fingerprint(), pii.demo_fingerprint(), 1)
    with pytest.raises(pii.InvalidTag):
        pii.decrypt(relabelled)


def _legacy_v1(plain: str, field_key: str) -> str:
    """A value as the code before fingerprints wrote it."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    enc_key = pii._field_key(base64.urlsafe_b64decode(field_key), "x").encrypt_key
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, plain.encode(), b"v1")
    return "v1:" + base64.b64encode(nonce + ct).decode()


def test_old_v1_values_still_decrypt_under_the_current_or_a_previous_key(real_keys):
    assert pii.decrypt(_legacy_v1("110105194912310123", FIELD_KEY)) == "110105194912310123"
    old = _legacy_v1("13800138000", OTHER_FIELD_KEY)
    with pytest.raises(pii.UnknownKey):
        pii.decrypt(old)
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [OTHER_FIELD_KEY]
    assert pii.decrypt(old) == "13800138000"
    assert pii.key_of(old).fingerprint == pii.fingerprint_of_field_key(OTHER_FIELD_KEY)


def test_a_value_under_an_unknown_key_is_refused_by_name(real_keys):
    token = pii.encrypt("13800138000")
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY
    with pytest.raises(pii.UnknownKey, match=pii.fingerprint_of_field_key(FIELD_KEY)):
        pii.decrypt(token)
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [FIELD_KEY]
    assert pii.decrypt(token) == "13800138000"


@pytest.mark.django_db
def test_during_a_rotation_a_lookup_finds_rows_still_indexed_under_the_previous_key(real_keys):
    customer = CustomerFactory()
    phone = pii.decrypt(customer.phone_encrypted)
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [FIELD_KEY]

    hashes = pii.blind_indexes(phone)
    assert hashes[0] == pii.blind_index(phone) != customer.phone_hash
    assert customer.phone_hash in hashes
    assert list(Customer.objects.filter(phone_hash__in=hashes)) == [customer]


@pytest.mark.django_db
def test_during_a_rotation_customer_search_finds_a_customer_still_indexed_under_the_old_key(
    real_keys,
):
    customer = CustomerFactory()
    phone, id_number = (
        pii.decrypt(customer.phone_encrypted),
        pii.decrypt(customer.id_number_encrypted),
    )
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [FIELD_KEY]

    assert Customer.objects.search_phone(phone).get() == customer
    assert Customer.objects.search_id_number(id_number).get() == customer


# ---- census and rotation, in-process -----------------------------------------------------------


def test_every_encrypted_column_is_listed_for_the_census_and_the_rotation():
    listed = {(s.model, s.field) for s in keys.SEALED}
    found = {
        (m._meta.label, f.name)
        for m in apps.get_models()
        if not m._meta.abstract and m._meta.app_label not in {"django_tasks_db"}
        for f in m._meta.concrete_fields
        if f.name.endswith("_encrypted")
    }
    assert found <= listed, sorted(found - listed)
    assert ("claims.PaymentBatch", "content") in listed
    for spec in keys.SEALED:
        names = {f.name for f in spec.model_class()._meta.concrete_fields}
        assert {spec.field, spec.hash_field or spec.field} <= names


def _with_phone(contact, phone: str):
    contact.set_phone(phone)
    contact.save()
    return contact


def _book() -> dict:
    customers = [CustomerFactory() for _ in range(3)]
    return {
        "customers": customers,
        "contact": _with_phone(PartnerContactFactory(), "13900001111"),
        "address": ContactAddressFactory(customer=customers[0]),
        "payee": PaymentPayeeFactory(),
        "account": BankAccountFactory(number="6222021202000099999"),
        "batch": PaymentBatchFactory(),
    }


def _check(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("keys", "check", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_keys_check_counts_rows_per_key_and_fails_on_rows_under_the_demo_key(settings):
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""
    CustomerFactory()  # written by the demo keys
    settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY = SECRET_KEY, FIELD_KEY
    CustomerFactory()
    CustomerFactory()

    code, out, err = _check()

    demo, current = pii.demo_fingerprint(), pii.current_fingerprint()
    assert code == 1
    assert f"parties.Customer.phone_encrypted: 1 × {demo} 演示密钥 / DEMO key" in out
    assert f"parties.Customer.phone_encrypted: 2 × {current} 当前 / current" in out
    assert "2 rows are not under the current key: run carecircle keys rotate" in out
    assert (
        err.strip()
        == "2 行在演示密钥或未知密钥下 / 2 rows are encrypted under the demo key or an unknown key"
    )


@pytest.mark.django_db
def test_keys_check_in_the_demo_flags_the_demo_key_in_use_but_passes(settings, monkeypatch):
    monkeypatch.setenv(keys.ALLOW_DEMO_KEYS_ENV, "1")
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET
    settings.FIELD_ENCRYPTION_KEY = ""
    CustomerFactory()

    code, out, err = _check()

    demo = pii.demo_fingerprint()
    assert (code, err) == (0, "")
    assert (
        f"parties.Customer.phone_encrypted: 1 × {demo} 当前 / current（演示密钥 / DEMO key）"
        in (out)
    )


@pytest.mark.django_db
def test_keys_check_passes_when_every_row_is_under_the_current_key(real_keys):
    _book()
    code, out, err = _check()
    assert (code, err) == (0, "")
    assert "not under the current key" not in out


@pytest.mark.django_db
def test_rotate_moves_every_encrypted_column_to_the_current_key_in_batches(real_keys):
    book = _book()
    phones = {c.pk: pii.decrypt(c.phone_encrypted) for c in book["customers"]}
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [FIELD_KEY]
    new = pii.fingerprint_of_field_key(OTHER_FIELD_KEY)

    dry = StringIO()
    call_command("keys", "rotate", "--dry-run", stdout=dry)
    assert dry.getvalue().splitlines()[1:] == [
        "parties.Customer.phone_encrypted: 3 待重新加密 / to re-encrypt",
        "parties.Customer.id_number_encrypted: 3 待重新加密 / to re-encrypt",
        "parties.PartnerContact.phone_encrypted: 1 待重新加密 / to re-encrypt",
        "policies.CompanyContact.phone_encrypted: 0 待重新加密 / to re-encrypt",
        "notify.ContactAddress.address_encrypted: 1 待重新加密 / to re-encrypt",
        "claims.PaymentPayee.id_number_encrypted: 2 待重新加密 / to re-encrypt",  # + the account's
        "claims.BankAccount.number_encrypted: 1 待重新加密 / to re-encrypt",
        "claims.PaymentBatch.content: 1 待重新加密 / to re-encrypt",
        "待重新加密 / to re-encrypt: 12",
    ]
    out = StringIO()
    call_command("keys", "rotate", "--batch-size", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1:3] == [
        "parties.Customer.phone_encrypted: 2 / 3 已重新加密 / re-encrypted",
        "parties.Customer.phone_encrypted: 3 / 3 已重新加密 / re-encrypted",
    ]
    assert lines[-1] == "完成 / done: 12 已重新加密 / re-encrypted, 0 无法解密 / unreadable"
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = []  # the old key retired: everything still reads
    for c in Customer.objects.filter(pk__in=phones):
        assert pii.fingerprint_of(c.phone_encrypted) == new
        assert pii.decrypt(c.phone_encrypted) == phones[c.pk]
        assert Customer.objects.search_phone(phones[c.pk]).get() == c
    book["account"].refresh_from_db()
    assert book["account"].number() == "6222021202000099999"
    assert book["account"].number_hash == pii.blind_index("account:6222021202000099999")
    book["batch"].refresh_from_db()
    assert bytes(book["batch"].content).startswith(f"v2:{new}:".encode())
    assert book["batch"].file_bytes().startswith(b"reference,amount")
    contact = book["contact"]
    contact.refresh_from_db()
    assert contact.phone_hash == pii.blind_index("13900001111")
    assert pii.decrypt(contact.phone_encrypted) == "13900001111"
    book["address"].refresh_from_db()
    assert book["address"].address.endswith("@example.com")
    again = StringIO()
    call_command("keys", "rotate", stdout=again)
    assert again.getvalue().splitlines()[-1] == (
        "完成 / done: 0 已重新加密 / re-encrypted, 0 无法解密 / unreadable"
    )


@pytest.mark.django_db
def test_rotate_leaves_a_row_the_application_rewrote_after_the_batch_read_it(real_keys):
    customer = CustomerFactory()
    read_by_the_rotation = customer.phone_encrypted
    customer.set_phone("13900002222")  # the application writes in between
    customer.save()
    spec = keys.SEALED[0]
    assert spec.label == "parties.Customer.phone_encrypted"

    keys._update_rows(
        spec,
        ["phone_encrypted", "phone_hash"],
        [(pii.encrypt("13800000000"), pii.blind_index("13800000000"), customer.pk, read_by_the_rotation)],
    )  # fmt: skip

    customer.refresh_from_db()
    assert pii.decrypt(customer.phone_encrypted) == "13900002222"
    assert customer.phone_hash == pii.blind_index("13900002222")


@pytest.mark.django_db
def test_rotate_reports_rows_no_key_opens_and_exits_1(real_keys):
    CustomerFactory()
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY  # the old key lost: not in PREVIOUS
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("keys", "rotate", stdout=out)
    assert exit_.value.code == 1
    assert out.getvalue().splitlines()[-1] == (
        "完成 / done: 0 已重新加密 / re-encrypted, 2 无法解密 / unreadable"
    )


def test_keys_fingerprint_names_the_keys_never_prints_them(real_keys):
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [OTHER_FIELD_KEY]
    out = StringIO()
    call_command("keys", "fingerprint", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[:2] == [
        f"{pii.fingerprint_of_field_key(FIELD_KEY)} 当前 / current",
        f"{pii.fingerprint_of_field_key(OTHER_FIELD_KEY)} 旧密钥 / previous",
    ]
    assert FIELD_KEY not in text and OTHER_FIELD_KEY not in text and SECRET_KEY not in text


def test_keys_new_prints_keys_that_pass_the_check(settings):
    out = StringIO()
    call_command("keys", "new", stdout=out)
    secret_line, field_line = out.getvalue().splitlines()
    settings.SECRET_KEY = secret_line.removeprefix("export SECRET_KEY=")
    settings.FIELD_ENCRYPTION_KEY = field_line.removeprefix("export CARECIRCLE_FIELD_KEY=")
    assert keys.key_problems() == []


# ---- #21 review: pending penny tests and a rolling restart ------------------------------------


@pytest.mark.django_db
def test_keys_check_counts_pending_penny_tests_and_says_to_keep_the_previous_key(real_keys):
    pending = BankAccountFactory(number="6222021202000011111")
    pending.confirm_amount_hash = pii.blind_index(f"confirm:{pending.pk}:0.37")
    pending.status = "pending"
    pending.save()
    BankAccountFactory(number="6222021202000022222")  # unverified, no amount sent

    assert keys.pending_penny_tests() == 1
    code, out, err = _check()
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        "1 笔小额确认待完成：其金额哈希在发出时的密钥下，完成（或重发）前不要移除旧密钥 / "
        "1 penny tests are pending: each amount hash is under the key current when it was sent "
        "— keep CARECIRCLE_FIELD_KEYS_PREVIOUS until they are confirmed or sent again"
    )


@pytest.mark.django_db
def test_a_process_with_the_new_key_only_as_previous_reads_what_a_restarted_one_wrote(
    real_keys,
):
    """Rolling restart, phase 1 (docs/operations.md, Keys): every process first gets the new key
    in CARECIRCLE_FIELD_KEYS_PREVIOUS, so one still writing under the old key reads — and finds
    by phone and ID — a row a process already on the new key wrote."""
    real_keys.FIELD_ENCRYPTION_KEY = OTHER_FIELD_KEY  # a process already on the new key
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [FIELD_KEY]
    customer = CustomerFactory()
    account = BankAccountFactory(number="6222021202000033333")
    new_fp = pii.current_fingerprint()

    real_keys.FIELD_ENCRYPTION_KEY = FIELD_KEY  # a process still on the old key, new as previous
    real_keys.FIELD_ENCRYPTION_KEYS_PREVIOUS = [OTHER_FIELD_KEY]
    assert pii.current_fingerprint() != new_fp
    assert pii.fingerprint_of(customer.phone_encrypted) == new_fp
    phone = pii.decrypt(customer.phone_encrypted)
    id_number = pii.decrypt(customer.id_number_encrypted)
    assert Customer.objects.search_phone(phone).get() == customer
    assert Customer.objects.search_id_number(id_number).get() == customer
    assert pii.decrypt(account.number_encrypted) == "6222021202000033333"
    phones = next(t for t in keys.census() if t.spec.label == "parties.Customer.phone_encrypted")
    assert (phones.count("previous"), phones.count("unknown")) == (1, 0)
    code, _, err = _check()
    assert (code, err) == (0, "")
