"""``carecircle keys check | fingerprint | rotate | new`` (docs/operations.md, "Keys"; ADR 0019).

- ``check``: the key check, then every encrypted column counted by the key that wrote its rows
  (current, previous, secret-derived, demo, unknown). Exit 2 when the keys themselves are not
  usable, 1 when rows rest under the demo key while a real key is in use, or under no key this
  deployment has; 0 otherwise.
- ``fingerprint``: the fingerprints of the current and previous keys (never the keys), or of
  a key read from standard input (``keys fingerprint -``).
- ``rotate``: re-encrypt and re-index every row not under the current key, in batches of
  ``--batch-size`` rows per transaction; resumable after a kill; ``--dry-run`` counts.
- ``new``: a fresh SECRET_KEY and CARECIRCLE_FIELD_KEY, as two ``export`` lines.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys

from django.core.management.base import BaseCommand, CommandError

from carecircle.core import keys, pii

ROLE_LABELS = {
    "current": "当前 / current",
    "previous": "旧密钥 / previous",
    "secret": "由 SECRET_KEY 推出 / derived from SECRET_KEY",
    "demo": "演示密钥 / DEMO key",
    "unknown": "未知密钥 / UNKNOWN key",
}


class Command(BaseCommand):
    help = "Field keys: check, fingerprint, rotate, new / 字段密钥：检查、指纹、轮换、生成"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="the key check and rows per key / 检查")
        fp = sub.add_parser("fingerprint", help="fingerprints of the keys / 指纹")
        fp.add_argument("key", nargs="?", help="'-' reads a key from standard input")
        rotate = sub.add_parser("rotate", help="re-encrypt under the current key / 轮换")
        rotate.add_argument("--batch-size", type=int, default=1000)
        rotate.add_argument("--dry-run", action="store_true", help="count only")
        rotate.add_argument(
            "--pause", type=float, default=0.0, help="seconds between batches (spare the DB)"
        )
        sub.add_parser("new", help="print a fresh SECRET_KEY and CARECIRCLE_FIELD_KEY / 生成")

    def handle(self, *args, **options):
        return getattr(self, f"_{options['action']}")(options)

    def _check(self, options) -> None:
        problem = keys.check_keys()
        if problem:
            self.stderr.write(problem)
        ring = pii.keyring()
        demo = pii.demo_fingerprint()
        self.stdout.write(f"当前密钥 / current key: {ring.current.fingerprint}")
        bad = 0
        tallies = keys.census()
        for tally in tallies:
            if not tally.by_fingerprint:
                self.stdout.write(f"{tally.spec.label}: 0")
                continue
            for fp, n in sorted(tally.by_fingerprint.items()):
                role = tally.role(fp)
                label = ROLE_LABELS[role]
                if fp == demo and role != "demo":  # the demo key in use: say so all the same
                    label += f"（{ROLE_LABELS['demo']}）"
                self.stdout.write(f"{tally.spec.label}: {n:,} × {fp} {label}")
                if role == "unknown" or (role == "demo" and ring.current.fingerprint != demo):
                    bad += n
        left = sum(t.count(r) for t in tallies for r in ("previous", "secret", "demo", "unknown"))
        if left:
            self.stdout.write(
                f"{left:,} 行不在当前密钥下：请运行 carecircle keys rotate / "
                f"{left:,} rows are not under the current key: run carecircle keys rotate"
            )
        penny = keys.pending_penny_tests()
        if penny:
            self.stdout.write(
                f"{penny:,} 笔小额确认待完成：其金额哈希在发出时的密钥下，完成（或重发）前不要移除"
                f"旧密钥 / {penny:,} penny tests are pending: each amount hash is under the key "
                "current when it was sent — keep CARECIRCLE_FIELD_KEYS_PREVIOUS until they are "
                "confirmed or sent again"
            )
        if problem:
            raise SystemExit(2)
        if bad:
            self.stderr.write(
                f"{bad:,} 行在演示密钥或未知密钥下 / "
                f"{bad:,} rows are encrypted under the demo key or an unknown key"
            )
            raise SystemExit(1)

    def _fingerprint(self, options) -> None:
        if options["key"]:
            text = sys.stdin.readline() if options["key"] == "-" else options["key"]
            try:
                self.stdout.write(pii.fingerprint_of_field_key(text))
            except ValueError as exc:
                raise CommandError(f"不是 32 字节密钥 / not a 32-byte key: {exc}") from None
            return
        for key in pii.keyring().readable:
            self.stdout.write(f"{key.fingerprint} {ROLE_LABELS[key.role]}")

    def _rotate(self, options) -> None:
        problem = keys.check_keys()
        if problem:
            self.stderr.write(problem)
            raise SystemExit(2)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size ≥ 1")
        current = pii.current_fingerprint()
        verb = "统计 / counting" if options["dry_run"] else "轮换到 / rotating to"
        self.stdout.write(f"{verb} {current}")
        results = keys.rotate(
            batch_size=options["batch_size"],
            dry_run=options["dry_run"],
            pause=options["pause"],
            write=self._progress,
        )
        pending = sum(r.pending for r in results)
        rewritten = sum(r.rewritten for r in results)
        unreadable = sum(r.unreadable for r in results)
        if options["dry_run"]:
            self.stdout.write(f"待重新加密 / to re-encrypt: {pending:,}")
            return
        self.stdout.write(
            f"完成 / done: {rewritten:,} 已重新加密 / re-encrypted, "
            f"{unreadable:,} 无法解密 / unreadable"
        )
        if unreadable:
            raise SystemExit(1)

    def _progress(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # a progress line shows at once, even into a pipe

    def _new(self, options) -> None:
        field_key = base64.urlsafe_b64encode(os.urandom(pii.FIELD_KEY_BYTES)).decode()
        self.stdout.write(f"export SECRET_KEY={secrets.token_urlsafe(50)}")
        self.stdout.write(f"export CARECIRCLE_FIELD_KEY={field_key}")
