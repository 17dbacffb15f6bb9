"""Password logins: the lockout after repeated failures (django-axes), the audit of every failed
login, and the optional second factor for staff (django-otp TOTP, ``CARECIRCLE_STAFF_OTP=1``).

docs/security.md and ADR 0021 say why it is built this way. The API takes bearer tokens (or the
browser's session), never a password, so the lockout concerns the login page and the admin.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

LOGIN_OBJECT_TYPE = "auth.login"
OTP_OBJECT_TYPE = "auth.otp"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: a locked-out username + address is
    refused before any password is compared.

    A login without a request (Django's test ``Client.login``, a management command checking a
    password in-process) has no address to lock and comes from no network: it is not counted
    and passes on to the next backend, where axes' own backend would raise instead."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class LoginLockHandler(AxesDatabaseHandler):
    """axes' database handler (AXES_HANDLER, its documented extension point) with a second, higher
    limit: besides ``AXES_FAILURE_LIMIT`` failures for one username from one address (axes' own
    count, ``AXES_LOCKOUT_PARAMETERS``), a username is locked from every address after
    ``CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER`` failures summed over all addresses within the
    cool-off window — guesses spread over many addresses are bounded too. axes has one limit
    for all its parameter sets, hence the handler."""

    def user_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        from axes.models import AccessAttempt
        from django.db.models import Sum

        username = get_client_username(request, credentials)
        if not username:
            return 0
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

    def _over_user_limit(self, request: HttpRequest, credentials: dict | None) -> bool:
        limit = getattr(settings, "CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER", 0)
        return bool(
            getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True)
            and limit
            and self.user_failures(request, credentials) >= limit
        )

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._over_user_limit(
            request, credentials
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self._over_user_limit(request, credentials):  # this failure reached the user limit
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def client_ip(request: HttpRequest) -> str | None:
    """The address a lockout counts against: ``REMOTE_ADDR``, or behind
    ``CARECIRCLE_PROXY_COUNT`` trusted proxies the address the outermost of them saw (that many
    entries from the right of X-Forwarded-For — entries further left are the client's to forge)."""
    proxies = getattr(settings, "CARECIRCLE_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _audit(
    username: str,
    summary: str,
    request: HttpRequest | None,
    *,
    actor: Any = None,
    object_type: str = LOGIN_OBJECT_TYPE,
) -> None:
    from carecircle.core.audit import record
    from carecircle.core.models import AuditLog

    address = client_ip(request) if request is not None else None
    record(
        actor,
        AuditLog.Action.DENIED,
        object_type=object_type,
        object_id=(username or "")[:64],
        summary=f"{summary} · {address or '-'}",
    )


# The receivers are connected when the backend module is first imported, which Django does
# before it sends user_login_failed (it loads every backend to try them).
@receiver(user_login_failed, dispatch_uid="carecircle.login_failed_audit")
def audit_failed_login(sender: Any, credentials: dict, request: HttpRequest | None = None, **_):
    if request is None:
        return
    _audit(credentials.get("username", ""), "登录失败 / failed login", request)


@receiver(user_locked_out, dispatch_uid="carecircle.locked_out_audit")
def audit_locked_out(sender: Any, request: HttpRequest, username: str | None = None, **_):
    _audit(username or "", "登录已锁定 / login locked out", request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in Chinese and English,
    with the limit and the wait in minutes."""
    cooloff = settings.AXES_COOLOFF_TIME
    per_user = getattr(settings, "CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER", 0)
    handler = LoginLockHandler()
    # The per-address rule (axes' own) names its limit first; the username rule only when alone.
    by_user = (
        bool(per_user)
        and not AxesDatabaseHandler.is_locked(handler, request, credentials)
        and handler.user_failures(request, credentials) >= per_user
    )
    context = {
        # Which rule locked it: the username everywhere, or this username from this address.
        "per_user_limit": per_user if by_user else 0,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else 0,
    }
    return render(
        request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


# --- optional TOTP for staff -----------------------------------------------------------------

OTP_FREE_PREFIXES = ("/accounts/logout/", "/static/", "/i18n/", "/healthz")


def needs_otp(user: Any) -> bool:
    """Staff (insurer roles and the admin) when ``CARECIRCLE_STAFF_OTP`` is on."""
    if not getattr(settings, "CARECIRCLE_STAFF_OTP", False):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_insurer_staff", False) or user.is_staff or user.is_superuser)


class StaffOtpMiddleware:
    """After the password, a staff member's session is held at the one-time-code page until a
    code from their authenticator app is verified (django_otp's ``OTPMiddleware`` runs first and
    sets ``user.is_verified``).

    Enrolment is issued by an administrator (``carecircle otp_enrol USERNAME``, or an
    unconfirmed TOTP device added in the admin): only then does the page show the secret and the
    otpauth URI, and a code confirms the device. Without an issued device the page says to ask
    an administrator — whoever first logs in with a stolen password cannot enrol their own app.

    The page answers at whatever URL was asked (no route of its own); the form posts back to
    it. The middleware answers before CsrfViewMiddleware.process_view would run, so the page is
    wrapped in ``csrf_protect`` itself. Session calls to /api/ get a JSON 403 instead; bearer
    tokens are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not needs_otp(user)
            or user.is_verified()
            or request.path.startswith(OTP_FREE_PREFIXES)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "otp_required",
                    "message": "请先在网页上输入动态口令 / Enter your one-time code on the web "
                    "page first",
                },
                status=403,
            )
        return otp_view(request)


def issue_enrolment(user: Any, *, reset: bool = False) -> Any:
    """An administrator lets ``user`` enrol an authenticator app at their next login: an
    unconfirmed TOTP device. ``reset`` (a lost phone) removes the user's devices first.
    Returns the device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if reset:
        TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def otp_page(request: HttpRequest, user: Any) -> HttpResponse:
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:  # no enrolment issued by an administrator
            return render(request, "registration/otp.html", {"not_issued": True}, status=403)
    error = ""
    if request.method == "POST" and "otp_token" in request.POST:
        token = request.POST.get("otp_token", "").strip().replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return HttpResponseRedirect(request.path)
        error = "动态口令不正确或已过期 / Wrong or expired code"
        _audit(
            user.get_username(),
            "动态口令错误 / wrong one-time code",
            request,
            actor=user,
            object_type=OTP_OBJECT_TYPE,
        )
    context = {
        "enrolling": enrolling,
        "error": error,
        "secret": _base32(device.bin_key) if enrolling else "",
        "otpauth_uri": device.config_url if enrolling else "",
    }
    return render(request, "registration/otp.html", context, status=401 if error else 200)


@csrf_protect
def otp_view(request: HttpRequest) -> HttpResponse:
    """The code page as a CSRF-protected view (the form's POST carries the token)."""
    return otp_page(request, request.user)


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")
