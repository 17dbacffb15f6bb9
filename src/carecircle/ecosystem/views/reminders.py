"""Reminders page: upload the branch's weather-alert file, see the alerts and the rule runs,
run the rules now."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Perm, has_perm

from .. import reminders
from ..models import ReminderRun, WeatherAlert

MAX_UPLOAD = 2 * 1024 * 1024


def _sender(request: HttpRequest) -> None:
    if not has_perm(request.user, Perm.SEND_MESSAGES):
        raise PermissionDenied("需要消息推送权限 / needs the send-messages permission")


@require_http_methods(["GET", "POST"])
@login_required
def reminder_page(request: HttpRequest) -> HttpResponse:
    _sender(request)
    result, error = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError("file_required", "请选择文件 / choose a file", "file")
            if (upload.size or 0) > MAX_UPLOAD:
                raise DomainError("file_too_big", "文件超过2MB / file over 2 MB", "file")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise DomainError(
                    "not_utf8", "文件须为UTF-8编码 / file must be UTF-8", "file"
                ) from None
            result = reminders.upload_weather(text, acting_user=request.user)
        except DomainError as exc:
            error = exc
    context = {
        "result": result,
        "error": error,
        "alerts": WeatherAlert.objects.filter(day__gte=clock.today()).order_by("day", "city")[:50],
        "runs": ReminderRun.objects.all()[:10],
        "rules": list(reminders.RULES),
    }
    return render(
        request,
        "ecosystem/reminders.html",
        context,
        status=400 if error or (result and result.errors) else 200,
    )


@require_POST
@login_required
def run_now(request: HttpRequest) -> HttpResponse:
    _sender(request)
    reminders.run()
    return redirect("ecosystem:reminders")
