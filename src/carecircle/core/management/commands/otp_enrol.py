"""``carecircle otp_enrol USERNAME [--reset]``: let a staff member enrol an authenticator app at
their next login (docs/security.md, "Optional TOTP for staff"). ``--reset`` after a lost phone."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from carecircle.core.logins import issue_enrolment


class Command(BaseCommand):
    help = "Let a staff member enrol a TOTP app at next login / 允许员工在下次登录时绑定动态口令"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset", action="store_true", help="remove the user's devices first (lost phone)"
        )

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"没有这个用户 / no such user: {options['username']}") from None
        issue_enrolment(user, reset=options["reset"])
        self.stdout.write(
            f"{user.get_username()} 下次登录时可绑定身份验证器 / may enrol an authenticator app "
            "at the next login"
        )
