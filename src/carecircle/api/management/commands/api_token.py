"""``carecircle api_token USERNAME --name NAME``: issue a bearer token and print it once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from carecircle.core.models import ApiToken


class Command(BaseCommand):
    help = "为用户创建接口令牌并打印一次 / create an API token for a user and print it once"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="令牌用途 / what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用 / no active user {username!r}")
        _, raw = ApiToken.issue(user, name)
        self.stderr.write(
            "令牌只显示这一次，请妥善保存 / the token is shown only once; keep it safe"
        )
        self.stdout.write(raw)
