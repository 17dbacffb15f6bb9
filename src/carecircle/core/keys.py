"""The keys check, and what rests under which key (issue #21, finding 1; ADR 0019).

**One key check.** Every ``carecircle`` command outside :data:`KEY_FREE` runs only with real
keys: ``SECRET_KEY`` set, not the demo value and as strong as Django's own rule (≥ 50
characters, ≥ 5 different, no ``django-insecure-`` prefix); ``CARECIRCLE_FIELD_KEY`` set, the
urlsafe base64 of exactly 32 random bytes, not derived from the demo key. The console script
(cli.py) calls :func:`require_keys` before it hands the command to Django: one line (中文 /
English) saying what is wrong and what to set, exit status 2, no traceback. ``serve`` runs the
same check (:func:`check_keys`). The demo — and the processes it starts, such as its worker —
may run on the public demo keys only with the explicit opt-in ``CARECIRCLE_ALLOW_DEMO_KEYS=1``
(``demo`` sets it for its children; never set it in production).

**What rests under which key.** :data:`SEALED` lists every encrypted column (a test checks no
``*_encrypted`` field is missing). :func:`census` counts each column's rows by the fingerprint
of the key that wrote them; :func:`rotate` re-encrypts and re-indexes under the current key in
batches, one transaction each — after a kill it simply starts again: the rows whose
fingerprint is not the current one are the work left.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.db import connection, models, transaction
from django.db.models import Case, Count, Value, When
from django.db.models.functions import Substr

from carecircle.core import pii

ALLOW_DEMO_KEYS_ENV = "CARECIRCLE_ALLOW_DEMO_KEYS"
NEW_KEYS = "uv run carecircle keys new"
MIN_DISTINCT_KEY_BYTES = 16  # 32 random bytes have ~30 different values; 16 is never reached

# Commands that run without the key check, by the name Django dispatches (after cli.ALIASES).
# Every other command — the project's own (import, value, worker, notify, renewals, claims …)
# and Django's (createsuperuser, shell, loaddata …) — runs only with real keys.
KEY_FREE = frozenset(
    {
        # The schema and the code: they read or write no personal data.
        "migrate",
        "makemigrations",
        "showmigrations",
        "sqlmigrate",
        "squashmigrations",
        "optimizemigration",
        "check",
        "help",
        "version",
        "collectstatic",
        "findstatic",
        "compilemessages",
        "makemessages",
        # The demo runs on the demo keys by design (and passes the opt-in to its children).
        "demo",
        # Writes a synthetic book to files (``--into-db`` loads the database: checked).
        "generate",
        # Runs its own check: `keys check` reports the problems, `keys rotate` refuses.
        "keys",
        # The test runner's own settings.
        "test",
    }
)
HELP_FLAGS = frozenset({"-h", "--help", "--version"})


def demo_keys_allowed() -> bool:
    return os.environ.get(ALLOW_DEMO_KEYS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def needs_keys(argv: Sequence[str]) -> bool:
    """Whether the command line ``argv`` (``argv[1]`` the Django command) needs real keys."""
    if len(argv) < 2 or argv[1].startswith("-"):
        return False
    if any(arg in HELP_FLAGS for arg in argv[2:]):
        return False
    command, options = argv[1], argv[2:]
    if command == "generate":
        return _loads_the_database(options)
    return command not in KEY_FREE


def _loads_the_database(options: Sequence[str]) -> bool:
    """Whether ``generate``'s options ask for ``--into-db`` as argparse reads them — a unique
    prefix (``--into``, ``--in``) included. An option argparse cannot read counts as asking."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--into-db", action="store_true")
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            known, _ = parser.parse_known_args(list(options))
    except SystemExit:
        return True
    return bool(known.into_db)


# ---- the check ------------------------------------------------------------------------------

Problem = tuple[str, str]  # (中文, English)


def _public_masters() -> set[bytes]:
    """32-byte keys anyone can compute from the source: the demo key's own sub-keys and its
    SHA-256 — a field key equal to one of them is the demo key in disguise."""
    demo = settings.INSECURE_DEFAULT_SECRET.encode()
    derived = pii._field_key(demo, "demo")
    return {derived.encrypt_key, derived.index_key, hashlib.sha256(demo).digest()}


def _field_key_problem(name: str, text: str) -> Problem | None:
    try:
        raw = pii.decode_field_key(text)
    except ValueError as exc:
        return (
            f"{name} 不是 32 字节密钥的 urlsafe-base64（{exc}）",
            f"{name} is not the urlsafe base64 of a 32-byte key ({exc})",
        )
    if raw in _public_masters():
        return (f"{name} 由公开的演示密钥推出", f"{name} is derived from the public demo key")
    if len(set(raw)) < MIN_DISTINCT_KEY_BYTES:
        return (f"{name} 不是随机密钥", f"{name} is not random (too few different bytes)")
    return None


def key_problems(*, allow_demo: bool = False) -> list[Problem]:
    """What is wrong with this deployment's keys (empty: nothing). ``allow_demo`` accepts the
    demo pair (the demo ``SECRET_KEY`` and no field key) — never a key that is set but weak."""
    problems: list[Problem] = []
    secret, field_key = settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY
    if secret == settings.INSECURE_DEFAULT_SECRET or not secret:
        if not allow_demo:
            problems.append(
                (
                    "SECRET_KEY 未设置（正在用公开的演示值）",
                    "SECRET_KEY is not set (the public demo value)",
                )
            )
    elif (
        len(secret) < SECRET_KEY_MIN_LENGTH
        or len(set(secret)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or secret.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        problems.append(
            (
                f"SECRET_KEY 太弱（至少 {SECRET_KEY_MIN_LENGTH} 个字符、"
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} 种字符）",
                f"SECRET_KEY is too weak (at least {SECRET_KEY_MIN_LENGTH} characters, "
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different)",
            )
        )
    if not field_key:
        if not allow_demo:
            problems.append(("CARECIRCLE_FIELD_KEY 未设置", "CARECIRCLE_FIELD_KEY is not set"))
    elif problem := _field_key_problem("CARECIRCLE_FIELD_KEY", field_key):
        problems.append(problem)
    for i, previous in enumerate(getattr(settings, "FIELD_ENCRYPTION_KEYS_PREVIOUS", ()), 1):
        try:
            pii.decode_field_key(previous)
        except ValueError as exc:
            problems.append(
                (
                    f"CARECIRCLE_FIELD_KEYS_PREVIOUS 第 {i} 个不是 32 字节密钥（{exc}）",
                    f"CARECIRCLE_FIELD_KEYS_PREVIOUS entry {i} is not a 32-byte key ({exc})",
                )
            )
    return problems


def key_message(problems: Sequence[Problem]) -> str:
    """The one line: what is wrong, what to set."""
    zh = "；".join(p[0] for p in problems)
    en = "; ".join(p[1] for p in problems)
    return (
        f"密钥不可用：{zh}。请设置 SECRET_KEY 和 CARECIRCLE_FIELD_KEY（{NEW_KEYS} 生成；"
        f"docs/operations.md「Keys」） / Keys not usable: {en}. Set SECRET_KEY and "
        f"CARECIRCLE_FIELD_KEY (`{NEW_KEYS}` makes new ones; docs/operations.md, Keys)"
    )


def check_keys(*, allow_demo: bool = False) -> str | None:
    """None when the keys are usable; otherwise the one line."""
    problems = key_problems(allow_demo=allow_demo or demo_keys_allowed())
    return key_message(problems) if problems else None


def require_keys(argv: Sequence[str]) -> None:
    """At the CLI entry point: a command that needs real keys and does not have them prints the
    one line to stderr and exits with status 2 (no traceback)."""
    if not needs_keys(argv):
        return
    allow_demo = argv[1] == "serve" and "--allow-insecure" in argv[2:]
    problem = check_keys(allow_demo=allow_demo)
    if problem is not None:
        sys.stderr.write(f"{problem}\n")  # the CLI's one line, by design
        raise SystemExit(2)


def require_keys_to_serve() -> None:
    """At the WSGI entry point (carecircle/wsgi.py): a server started by hand (``gunicorn
    carecircle.wsgi``, runserver) builds no application without real keys — unless the demo's
    opt-in is set (``carecircle demo`` and ``serve --allow-insecure`` set it for themselves)."""
    problem = check_keys()
    if problem is not None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(problem)


def install_command_guard() -> None:
    """Every management command run from a command line — ``carecircle``, ``python -m django``,
    ``django-admin``, a ``manage.py`` — passes :func:`require_keys` first. The guard sits on
    ``BaseCommand.run_from_argv``, which Django calls only for a command line: ``call_command``
    (the tests, the demo's own steps) never goes through it, so it needs no test switch.
    Installed once, by CoreConfig.ready()."""
    from django.core.management.base import BaseCommand

    original = BaseCommand.run_from_argv
    if getattr(original, "carecircle_key_guard", False):
        return

    def run_from_argv(self, argv):
        require_keys(argv)
        return original(self, argv)

    run_from_argv.carecircle_key_guard = True  # type: ignore[attr-defined]
    BaseCommand.run_from_argv = run_from_argv  # type: ignore[method-assign]


# ---- what rests under which key -------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    """An encrypted column, and the blind index computed from the same value (if any)."""

    model: str  # app_label.ModelName
    field: str
    hash_field: str = ""
    index_prefix: str = ""  # what the model prepends before indexing (BankAccount: "account:")
    binary: bool = False  # a BinaryField holding the ascii token (PaymentBatch.content)

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def manager(self) -> models.Manager:
        return self.model_class()._base_manager


SEALED: tuple[Sealed, ...] = (
    Sealed("parties.Customer", "phone_encrypted", "phone_hash"),
    Sealed("parties.Customer", "id_number_encrypted", "id_number_hash"),
    Sealed("parties.PartnerContact", "phone_encrypted", "phone_hash"),
    Sealed("policies.CompanyContact", "phone_encrypted", "phone_hash"),
    Sealed("notify.ContactAddress", "address_encrypted"),
    Sealed("claims.PaymentPayee", "id_number_encrypted"),
    Sealed("claims.BankAccount", "number_encrypted", "number_hash", index_prefix="account:"),
    Sealed("claims.PaymentBatch", "content", binary=True),
)
# Not in the database, so not rotated: a privacy data copy is a sealed file in storage that
# expires (privacy.DataExport.expires_at) — keep the previous key until the last one has.


def _token(spec: Sealed, stored) -> str:
    return bytes(stored).decode("ascii") if spec.binary else stored


def _role(fingerprint: str | None) -> str:
    if fingerprint is None:
        return "unknown"
    key = pii.keyring().by_fingerprint(fingerprint)
    return key.role if key is not None else "unknown"


@dataclass
class Tally:
    """One column's rows by fingerprint; ``roles`` names each fingerprint's key."""

    spec: Sealed
    by_fingerprint: Counter[str] = field(default_factory=Counter)

    def role(self, fingerprint: str) -> str:
        return _role(None if fingerprint == "?" else fingerprint)

    def count(self, role: str) -> int:
        return sum(n for fp, n in self.by_fingerprint.items() if self.role(fp) == role)


def _classify_legacy(token: str) -> str:
    key = pii.key_of(token)
    return key.fingerprint if key is not None else "?"


def tally(spec: Sealed) -> Tally:
    """Count ``spec``'s non-empty values by the fingerprint of their key (``?`` = no readable
    key opens it). v2 values are grouped in SQL; v1 values are opened to find their key."""
    result = Tally(spec)
    qs = spec.manager()
    if spec.binary:
        for stored in qs.values_list(spec.field, flat=True).iterator(chunk_size=500):
            token = _token(spec, stored)
            if token:
                fp = pii.fingerprint_of(token)
                result.by_fingerprint[fp if fp is not None else _classify_legacy(token)] += 1
        return result
    head = Case(
        When(
            **{f"{spec.field}__startswith": f"{pii.KEY_VERSION}:"},
            then=Substr(spec.field, len(pii.KEY_VERSION) + 2, pii.FINGERPRINT_HEX),
        ),
        default=Value(""),
        output_field=models.CharField(),
    )
    grouped = (
        qs.exclude(**{spec.field: ""})
        .annotate(fp=head)
        .values("fp")
        .annotate(n=Count("pk"))
        .order_by()
    )
    legacy = False
    for row in grouped:
        if row["fp"]:
            result.by_fingerprint[row["fp"]] += row["n"]
        else:
            legacy = True
    if legacy:
        rows = qs.exclude(**{spec.field: ""}).exclude(
            **{f"{spec.field}__startswith": f"{pii.KEY_VERSION}:"}
        )
        for token in rows.values_list(spec.field, flat=True).iterator(chunk_size=2000):
            result.by_fingerprint[_classify_legacy(token)] += 1
    return result


def census() -> list[Tally]:
    return [tally(spec) for spec in SEALED]


# A pending penny test keeps only a blind index of the amount sent (claims.BankAccount), under
# whichever key was current then: it is not re-indexed by a rotation (the amount is unknown) and
# matches only while that key stays readable. Named by label: core imports no app above it.
PENNY_TESTS = ("claims.BankAccount", "confirm_amount_hash", "status", "pending")


def pending_penny_tests() -> int:
    """How many penny tests are pending (an amount hash set, not yet confirmed)."""
    label, hash_field, status_field, pending = PENNY_TESTS
    try:
        model = apps.get_model(label)
    except LookupError:
        return 0
    return model._base_manager.filter(**{status_field: pending}).exclude(**{hash_field: ""}).count()


# ---- rotation -------------------------------------------------------------------------------


@dataclass
class Rotated:
    spec: Sealed
    pending: int = 0  # rows not under the current key when the column was started
    rewritten: int = 0
    unreadable: int = 0  # under no readable key: left as they are, reported


def _current_prefix() -> str:
    return f"{pii.KEY_VERSION}:{pii.current_fingerprint()}:"


def _pending(spec: Sealed):
    """The rows of a text column still to re-encrypt: not empty and not under the current key."""
    return (
        spec.manager()
        .exclude(**{spec.field: ""})
        .exclude(**{f"{spec.field}__startswith": _current_prefix()})
    )


def _pending_binary_pks(spec: Sealed) -> list[int]:
    prefix = _current_prefix().encode("ascii")
    return [
        pk
        for pk, stored in spec.manager().values_list("pk", spec.field).iterator(chunk_size=500)
        if stored and not bytes(stored).startswith(prefix)
    ]


def _batches(spec: Sealed, batch_size: int) -> Iterator[list[int]]:
    """The pending primary keys, a batch at a time, each batch read afresh after the previous
    one was written (a pk cursor steps over unreadable rows)."""
    if spec.binary:
        pks = _pending_binary_pks(spec)
        for i in range(0, len(pks), batch_size):
            yield pks[i : i + batch_size]
        return
    last = None
    while True:
        qs = _pending(spec).order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        batch = list(qs.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _rewrite(spec: Sealed, pks: list[int]) -> tuple[int, int]:
    """Re-encrypt (and re-index) the rows ``pks`` in one transaction: (rewritten, unreadable)."""
    current = pii.keyring().current
    fields = [spec.field] + ([spec.hash_field] if spec.hash_field else [])
    prefix = _current_prefix()
    changed, unreadable = [], 0
    with transaction.atomic():
        rows = spec.manager().select_for_update().filter(pk__in=pks).only("pk", *fields)
        for row in rows:
            token = _token(spec, getattr(row, spec.field))
            if not token or token.startswith(prefix):
                continue  # emptied or rotated meanwhile
            try:
                plain = pii.decrypt(token)
            except (ValueError, InvalidTag):
                unreadable += 1
                continue
            sealed = pii.encrypt(plain)
            values: list = [sealed.encode("ascii") if spec.binary else sealed]
            if spec.hash_field:
                values.append(current.index(spec.index_prefix + plain))
            stored = getattr(row, spec.field)
            changed.append((*values, row.pk, bytes(stored) if spec.binary else stored))
        if changed:
            _update_rows(spec, fields, changed)
    return len(changed), unreadable


def _update_rows(spec: Sealed, fields: list[str], rows: list[tuple]) -> None:
    """One ``UPDATE … WHERE pk = %s AND <field> = <what was read>`` per row, sent with
    executemany: linear in the batch (a ``bulk_update`` CASE over 1,000 primary keys costs the
    database 1,000² comparisons), and a row the application rewrote since it was read (under the
    current key, on SQLite where FOR UPDATE locks nothing) is left as the application wrote it."""
    meta = spec.model_class()._meta
    qn = connection.ops.quote_name
    columns = {f.name: f.column for f in meta.concrete_fields}
    assignments = ", ".join(f"{qn(columns[f])} = %s" for f in fields)
    table, pk = qn(meta.db_table), qn(columns[meta.pk.name])
    guard = qn(columns[spec.field])
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {guard} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def pending_count(spec: Sealed) -> int:
    if spec.binary:
        return len(_pending_binary_pks(spec))
    return _pending(spec).count()


def rotate(
    *,
    batch_size: int = 1000,
    dry_run: bool = False,
    pause: float = 0.0,
    write: Callable[[str], None] = print,
) -> list[Rotated]:
    """Re-encrypt every sealed column under the current key, ``batch_size`` rows per
    transaction, a progress line per batch; ``pause`` seconds between batches (to spare a busy
    database). ``dry_run`` only counts. Resumable: a second run after a kill does what is left,
    a third finds nothing."""
    results = []
    for spec in SEALED:
        done = Rotated(spec, pending=pending_count(spec))
        results.append(done)
        if dry_run or not done.pending:
            write(f"{spec.label}: {done.pending:,} 待重新加密 / to re-encrypt")
            continue
        for pks in _batches(spec, batch_size):
            rewritten, unreadable = _rewrite(spec, pks)
            done.rewritten += rewritten
            done.unreadable += unreadable
            write(
                f"{spec.label}: {done.rewritten:,} / {done.pending:,} 已重新加密 / re-encrypted"
                + (f"（{done.unreadable:,} 无法解密 / unreadable）" if done.unreadable else "")
            )
            if pause:
                time.sleep(pause)
    return results
