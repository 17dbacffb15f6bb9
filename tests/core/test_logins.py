"""Password logins (#21 finding 3): lockout after repeated failures (django-axes), every failed
login recorded, the administrator's unlock, and the optional TOTP for staff (django-otp)."""

from __future__ import annotations

import io
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carecircle.core.logins import LOGIN_OBJECT_TYPE, OTP_OBJECT_TYPE, client_ip
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _post(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_thirty_wrong_passwords_lock_the_login_and_the_right_one_is_then_refused():
    UserFactory(username="victim", role=Role.MANAGER)
    client = Client()
    answers = [_post(client, "victim", f"guess-{i}").status_code for i in range(30)]
    # Four wrong answers re-show the form; the fifth failure locks; the rest meet the lock.
    assert answers[:4] == [200] * 4
    assert answers[4:] == [429] * 26
    response = _post(client, "victim", "pw-for-tests-1")
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂时锁定 / Login temporarily locked" in html
    assert "连续 5 次密码错误" in html and "Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_every_failed_login_is_recorded_by_axes_and_in_the_audit_trail():
    UserFactory(username="victim", role=Role.MANAGER)
    client = Client()
    for i in range(7):
        _post(client, "victim", f"guess-{i}")
    attempt = AccessAttempt.objects.get(username="victim")
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start == 7
    assert AccessFailureLog.objects.filter(username="victim").count() == 7
    assert AccessFailureLog.objects.filter(username="victim", locked_out=True).count() == 3
    failed = AuditLog.objects.filter(
        action=AuditLog.Action.DENIED, object_type=LOGIN_OBJECT_TYPE, object_id="victim"
    )
    assert failed.filter(summary="登录失败 / failed login · 127.0.0.1").count() == 7
    assert failed.filter(summary="登录已锁定 / login locked out · 127.0.0.1").count() >= 1
    assert all(row.actor_id is None for row in failed)


def test_the_admin_login_is_locked_the_same_way():
    UserFactory(username="root", role=Role.MANAGER, is_staff=True, is_superuser=True)
    client = Client()
    answers = [
        client.post("/admin/login/", {"username": "root", "password": f"g{i}"}).status_code
        for i in range(6)
    ]
    assert answers == [200, 200, 200, 200, 429, 429]
    response = client.post("/admin/login/", {"username": "root", "password": "pw-for-tests-1"})
    assert response.status_code == 429
    assert AccessFailureLog.objects.filter(username="root").count() == 7


def test_the_lock_is_per_username_and_address():
    """Five failures lock the (username, address) pair; the username's own limit (20 from any
    addresses) is far off, so the same user elsewhere and a colleague here still log in."""
    UserFactory(username="victim", role=Role.MANAGER)
    UserFactory(username="colleague", role=Role.MANAGER)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(5):
        _post(attacker, "victim", f"guess-{i}")
    assert _post(attacker, "victim", "pw-for-tests-1").status_code == 429
    failures = AccessAttempt.objects.filter(username="victim").values_list(
        "failures_since_start", flat=True
    )
    assert sum(failures) == 6 < settings.CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER
    # The same user from the office's address, and a colleague from the attacker's, still log in.
    assert _post(Client(REMOTE_ADDR="10.0.0.5"), "victim", "pw-for-tests-1").status_code == 302
    assert _post(attacker, "colleague", "pw-for-tests-1").status_code == 302


def test_guesses_spread_over_many_addresses_lock_the_username_at_its_own_limit():
    """#21 review: four guesses from each of many addresses never reach the per-address limit;
    the 20th failure of the username from any address locks it everywhere, audited."""
    assert settings.CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER == 20
    UserFactory(username="victim", role=Role.MANAGER)
    UserFactory(username="colleague", role=Role.MANAGER)
    answers = []
    for n in range(5):
        bot = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        answers += [_post(bot, "victim", f"guess-{n}-{i}").status_code for i in range(4)]
    assert answers[:19] == [200] * 19
    assert answers[19] == 429
    # The owner, from an address that never failed, meets the lock; a colleague does not.
    office = Client(REMOTE_ADDR="10.0.0.5")
    locked = _post(office, "victim", "pw-for-tests-1")
    assert locked.status_code == 429
    # The page names the rule that locked it, not the per-address one this address never met.
    html = locked.content.decode()
    assert "该用户名在各地址累计 20 次密码错误" in html and "连续 5 次" not in html
    assert "_auth_user_id" not in office.session
    assert (
        _post(Client(REMOTE_ADDR="198.51.100.1"), "colleague", "pw-for-tests-1").status_code == 302
    )
    assert AuditLog.objects.filter(
        object_type=LOGIN_OBJECT_TYPE,
        object_id="victim",
        summary="登录已锁定 / login locked out · 198.51.100.5",
    ).exists()
    # The administrator's unlock clears it.
    call_command("axes_reset_username", "victim")
    assert _post(office, "victim", "pw-for-tests-1").status_code == 302


def test_nineteen_failures_from_many_addresses_still_let_the_owner_in():
    UserFactory(username="victim", role=Role.MANAGER)
    for n in range(19):
        _post(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "victim", f"guess-{n}")
    assert _post(Client(REMOTE_ADDR="10.0.0.5"), "victim", "pw-for-tests-1").status_code == 302


def test_right_passwords_never_count_and_a_success_clears_earlier_failures():
    UserFactory(username="manager", role=Role.MANAGER)
    client = Client()
    for _ in range(12):  # the browser and authz suites log the same user in many times
        assert _post(client, "manager", "pw-for-tests-1").status_code == 302
        client.post("/accounts/logout/")
    for i in range(4):
        _post(client, "manager", f"typo-{i}")
    assert _post(client, "manager", "pw-for-tests-1").status_code == 302
    client.post("/accounts/logout/")
    for i in range(4):  # four more typos: the counter started again at the success
        _post(client, "manager", f"typo-again-{i}")
    assert _post(client, "manager", "pw-for-tests-1").status_code == 302


def test_a_demo_login_still_works_through_the_form():
    user = UserFactory(username="seat", role=Role.SEAT)
    user.set_password("carecircle")  # the demo's password (web/management/commands/demo.py)
    user.save()
    response = _post(Client(), "seat", "carecircle")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")


def test_the_test_clients_login_without_a_request_still_works():
    UserFactory(username="manager", role=Role.MANAGER)
    client = Client()
    assert client.login(username="manager", password="pw-for-tests-1") is True
    assert client.login(username="manager", password="wrong") is False
    assert not AccessAttempt.objects.exists()


def test_an_administrator_unlocks_a_locked_username():
    UserFactory(username="victim", role=Role.MANAGER)
    client = Client()
    for i in range(5):
        _post(client, "victim", f"guess-{i}")
    assert _post(client, "victim", "pw-for-tests-1").status_code == 429
    call_command("axes_reset_username", "victim")
    assert not AccessAttempt.objects.filter(username="victim").exists()
    assert _post(client, "victim", "pw-for-tests-1").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=None)
def test_the_limit_comes_from_the_settings():
    UserFactory(username="victim", role=Role.MANAGER)
    client = Client()
    answers = [_post(client, "victim", f"guess-{i}").status_code for i in range(4)]
    assert answers == [200, 200, 429, 429]


def test_the_address_behind_trusted_proxies_is_taken_from_the_right_of_x_forwarded_for():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_ip(request) == "10.0.0.1"  # no proxy configured: the header is not trusted
    with override_settings(CARECIRCLE_PROXY_COUNT=1):
        assert client_ip(request) == "198.51.100.7"  # the forged left entry is ignored
    with override_settings(CARECIRCLE_PROXY_COUNT=3):
        assert client_ip(request) == "10.0.0.1"  # fewer entries than proxies: the socket's


# --- optional TOTP for staff ------------------------------------------------------------------


def _logged_in(username: str, role: Role) -> Client:
    UserFactory(username=username, role=role)
    client = Client()
    assert _post(client, username, "pw-for-tests-1").status_code == 302
    return client


def test_staff_otp_is_off_by_default():
    client = _logged_in("manager", Role.MANAGER)
    response = client.get("/")
    assert response.status_code == 200 and 'id="otp"' not in response.content.decode()


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_with_staff_otp_on_a_staff_member_enrols_a_totp_device_then_gets_in():
    client = _logged_in("manager", Role.MANAGER)
    call_command("otp_enrol", "manager", stdout=io.StringIO())  # issued by an administrator
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="otp"' in html
    device = TOTPDevice.objects.get(user__username="manager", confirmed=False)
    assert "otpauth://totp/" in html and 'id="otp-secret"' in html
    assert client.get("/api/customers").status_code == 403  # the session API waits too
    wrong = client.post("/", {"otp_token": "000000" if totp(device.bin_key) else "111111"})
    assert wrong.status_code == 401 and "动态口令不正确或已过期" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp's own brake after a wrong code
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post("/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert right.status_code == 302 and right["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed is True
    home = client.get("/")
    assert home.status_code == 200 and 'id="otp"' not in home.content.decode()


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_with_staff_otp_on_an_enrolled_staff_member_is_asked_for_a_code_at_each_login():
    user = UserFactory(username="manager", role=Role.MANAGER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    _post(client, "manager", "pw-for-tests-1")
    html = client.get("/customers/").content.decode()
    assert 'id="otp"' in html and 'id="otp-secret"' not in html  # no secret shown again
    right = client.post("/customers/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert right.status_code == 302 and right["Location"] == "/customers/"
    assert 'id="otp"' not in client.get("/customers/").content.decode()


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_with_staff_otp_on_a_customer_logs_in_with_the_password_alone():
    customer = CustomerFactory()
    UserFactory(username="cust", role=Role.CUSTOMER, customer=customer)
    client = Client()
    _post(client, "cust", "pw-for-tests-1")
    response = client.get(reverse("web:customer_360", args=[customer.pk]))
    assert response.status_code == 200 and 'id="otp"' not in response.content.decode()
    assert not TOTPDevice.objects.exists()


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_the_one_time_code_post_is_csrf_checked():
    """#21 review: the code page answered from the middleware, before CSRF's process_view, so a
    cross-site POST of a code went unchecked."""
    user = UserFactory(username="manager", role=Role.MANAGER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    forged = client.post("/customers/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert forged.status_code == 403
    assert 'id="otp"' not in forged.content.decode()
    page = client.get("/customers/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    right = client.post(
        "/customers/", {"otp_token": f"{totp(device.bin_key):06d}", "csrfmiddlewaretoken": token}
    )
    assert right.status_code == 302 and right["Location"] == "/customers/"


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_a_wrong_one_time_code_is_audited():
    user = UserFactory(username="manager", role=Role.MANAGER)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    client.force_login(user)
    wrong = "000000" if totp(device.bin_key) else "111111"
    assert client.post("/customers/", {"otp_token": wrong}).status_code == 401
    [row] = AuditLog.objects.filter(action=AuditLog.Action.DENIED, object_type=OTP_OBJECT_TYPE)
    assert (row.object_id, row.summary, row.actor_id) == (
        "manager",
        "动态口令错误 / wrong one-time code · 127.0.0.1",
        user.pk,
    )


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_without_an_enrolment_issued_by_an_administrator_no_secret_is_shown():
    """#21 review: the first login with the password used to enrol whatever app it liked."""
    client = _logged_in("manager", Role.MANAGER)
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 403
    assert "Ask an administrator to enable your device." in html
    assert 'id="otp-secret"' not in html and "otpauth://" not in html
    assert client.post("/", {"otp_token": "123456"}).status_code == 403
    assert not TOTPDevice.objects.filter(user__username="manager").exists()
    assert client.get("/customers/").status_code == 403  # still held, on every page


@override_settings(CARECIRCLE_STAFF_OTP=True)
def test_otp_enrol_issues_an_enrolment_and_reset_replaces_a_lost_phone():
    user = UserFactory(username="manager", role=Role.MANAGER)
    lost = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    out = io.StringIO()
    call_command("otp_enrol", "manager", "--reset", stdout=out)
    assert "manager 下次登录时可绑定身份验证器" in out.getvalue()
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    [issued] = TOTPDevice.objects.filter(user=user)
    assert issued.confirmed is False
    call_command("otp_enrol", "manager", stdout=io.StringIO())  # again: the same device
    assert list(TOTPDevice.objects.filter(user=user)) == [issued]
    with pytest.raises(CommandError):
        call_command("otp_enrol", "nobody")
