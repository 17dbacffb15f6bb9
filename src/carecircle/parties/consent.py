"""Consent, recorded: grant, withdraw, and the checks every domain asks (docs/consent.md).

- ``grant`` / ``withdraw`` append a ``ConsentEvent`` and rewrite the key's ``Consent`` (the
  current state) from the latest event; a marketing change refreshes the cached summary
  ``Customer.marketing_consent``. One transaction, the customer's row locked, audited. A
  repeated grant (or a withdrawal of what is not granted) records nothing and returns None.
- ``allows(customer, purpose, channel=, partner=, use=, at=)`` — may we do this now (or at
  ``at``, from the history)? ``customers_allowing(qs, …)`` — the same as a subquery on a
  queryset (no query per customer); ``marketing_channels(ids)`` — each customer's granted
  marketing channels in one query (notify).
- ``ensure_sharing`` — before a customer's data goes to a partner (a repair referral, a
  merchant booking): the consent naming that partner, recorded now if the customer agrees on
  the page (or staff record it from a call or a form), else ``DomainError``.

A customer whose processing is restricted (``restricted_at``) gets no marketing and is shared
with no partner, whatever they consented to: only the contract and the law use their data.
Service and legal notices never need marketing consent (notify decides by purpose).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from carecircle.core import audit, clock, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog

from . import consent_wording
from .models import Customer, Partner
from .models_consent import (
    Consent,
    ConsentAction,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    SharingUse,
)

MARKETING_CHANNELS = tuple(ConsentChannel.values)
# Who may record a consent from which source: the customer on their own phone page; staff
# from a call recording, a paper form or an integration (the API); the system from an import
# or the migration of the old flag.
CUSTOMER_SOURCES = frozenset({ConsentSource.PHONE_PAGE})
STAFF_SOURCES = frozenset(
    {ConsentSource.CALL_RECORDING, ConsentSource.PAPER_FORM, ConsentSource.IMPORT}
)
SYSTEM_SOURCES = frozenset({ConsentSource.IMPORT, ConsentSource.MIGRATION})
# Restriction (PIPL Art 44/47 + Insurance Law Art 87): these purposes stop while restricted.
STOPPED_BY_RESTRICTION = frozenset({ConsentPurpose.MARKETING, ConsentPurpose.SHARING})


# ---- keys -------------------------------------------------------------------------------------


def _partner_id(partner: Partner | int | None) -> int | None:
    if partner is None:
        return None
    return partner if isinstance(partner, int) else partner.pk


def key_for(
    purpose: str, *, channel: str = "", partner: Partner | int | None = None, use: str = ""
) -> str:
    """``marketing:sms``, ``sharing:service_booking:42``, ``automated``; DomainError when the
    purpose's scope is missing or does not fit (marketing needs a channel, sharing a partner
    and a use, automated neither)."""
    partner_id = _partner_id(partner)
    if purpose == ConsentPurpose.MARKETING:
        if channel not in MARKETING_CHANNELS or partner_id is not None or use:
            raise DomainError(
                "consent_channel",
                "营销授权须指明渠道 / marketing consent names a channel",
                "channel",
            )
        return f"marketing:{channel}"
    if purpose == ConsentPurpose.SHARING:
        if partner_id is None or use not in SharingUse.values or channel:
            raise DomainError(
                "consent_partner",
                "信息共享授权须指明接收方和用途 / sharing consent names the partner and the use",
                "partner_id",
            )
        return f"sharing:{use}:{partner_id}"
    if purpose == ConsentPurpose.AUTOMATED:
        if channel or partner_id is not None or use:
            raise DomainError(
                "consent_scope", "自动化决策授权不分渠道 / automated decisions have no channel"
            )
        return "automated"
    raise DomainError("consent_purpose", f"purpose 须为 {ConsentPurpose.values} 之一", "purpose")


def _key_filter(purpose: str, channel: str | None, partner, use: str | None) -> Q:
    """The consent rows that answer a question; a missing channel (marketing), use (sharing)
    or partner (sharing) means any."""
    q = Q(purpose=purpose)
    if channel:
        q &= Q(channel=channel)
    if partner is not None:
        q &= Q(partner_id=_partner_id(partner))
    if use:
        q &= Q(use=use)
    return q


# ---- reads ------------------------------------------------------------------------------------


def is_restricted(customer: Customer, at: dt.datetime | None = None) -> bool:
    restricted = customer.restricted_at
    return restricted is not None and (at is None or restricted <= at)


def allows(
    customer: Customer,
    purpose: str,
    channel: str | None = None,
    partner: Partner | int | None = None,
    at: dt.datetime | None = None,
    *,
    use: str | None = None,
) -> bool:
    """Whether ``customer`` consents to ``purpose`` (on ``channel``, with ``partner`` for
    ``use``) now, or at ``at`` (the latest event at or before it). False while their
    processing is restricted, for marketing and sharing."""
    if purpose in STOPPED_BY_RESTRICTION and is_restricted(customer, at):
        return False
    scope = _key_filter(purpose, channel, partner, use)
    if at is None:
        return Consent.objects.filter(scope, customer=customer, granted=True).exists()
    latest: dict[str, str] = {}
    events = (
        ConsentEvent.objects.filter(scope, customer=customer, at__lte=at)
        .order_by("key", "at", "pk")
        .values_list("key", "action")
    )
    for key, action in events:
        latest[key] = action
    return ConsentAction.GRANT in latest.values()


def allowing(
    purpose: str,
    channel: str | None = None,
    partner: Partner | int | None = None,
    *,
    use: str | None = None,
    path: str = "",
) -> Q:
    """A filter for rows whose customer (``path`` from the row, "" for customers) consents now:
    an ``EXISTS`` on the current state, and not restricted for marketing and sharing. Combine
    it (``~allowing(...)``, ``Case(When(...))``) where a queryset needs it as one condition."""
    prefix = f"{path}__" if path else ""
    granted = Consent.objects.filter(
        _key_filter(purpose, channel, partner, use),
        customer_id=OuterRef(f"{prefix}pk" if path else "pk"),
        granted=True,
    )
    q = Q(Exists(granted))
    if purpose in STOPPED_BY_RESTRICTION:
        q &= Q(**{f"{prefix}restricted_at__isnull": True})
    return q


def customers_allowing(
    qs: QuerySet,
    purpose: str,
    channel: str | None = None,
    partner: Partner | int | None = None,
    *,
    use: str | None = None,
    path: str = "",
) -> QuerySet:
    """``qs`` narrowed to rows whose customer (``path`` from the row, "" for a Customer
    queryset) consents now — one ``EXISTS`` subquery, no query per customer; restricted
    customers left out for marketing and sharing."""
    return qs.filter(allowing(purpose, channel, partner, use=use, path=path))


def marketing_channels(customer_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each customer's marketing channels granted now, in one query (restriction is the
    caller's to apply: it holds the customers)."""
    granted: dict[int, set[str]] = defaultdict(set)
    for cid, channel in Consent.objects.filter(
        customer_id__in=list(customer_ids), purpose=ConsentPurpose.MARKETING, granted=True
    ).values_list("customer_id", "channel"):
        granted[cid].add(channel)
    return granted


def partners_agreed(customer: Customer, use: str) -> set[int]:
    """The partners ``customer`` consents to share with for ``use`` now (none while
    restricted), in one query."""
    if is_restricted(customer):
        return set()
    return set(
        Consent.objects.filter(
            customer=customer, purpose=ConsentPurpose.SHARING, use=use, granted=True
        ).values_list("partner_id", flat=True)
    )


def history(customer: Customer) -> QuerySet[ConsentEvent]:
    """The customer's consent events, newest first, with the partner and who recorded them."""
    return ConsentEvent.objects.filter(customer=customer).select_related("partner", "recorded_by")


@dataclass
class Line:
    """One consent the pages show: its key and scope, the wording to agree to, the state."""

    key: str
    purpose: str
    channel: str
    partner: Partner | None
    use: str
    wording: str
    text: str
    state: Consent | None

    @property
    def granted(self) -> bool:
        return bool(self.state and self.state.granted)

    @property
    def status(self) -> str:
        """``granted``, ``withdrawn`` or ``never`` (silence is not consent)."""
        if self.state is None:
            return "never"
        return "granted" if self.state.granted else "withdrawn"

    @property
    def purpose_label(self) -> str:
        return str(ConsentPurpose(self.purpose).label)

    @property
    def label(self) -> str:
        if self.purpose == ConsentPurpose.MARKETING:
            return str(ConsentChannel(self.channel).label)
        if self.purpose == ConsentPurpose.SHARING:
            name = self.partner.name if self.partner else ""
            return f"{name} · {SharingUse(self.use).label}"
        return str(
            _("由系统评定等级、价格区间与快赔 / Tier, price band and fast track set by automation")
        )

    @property
    def dom_id(self) -> str:
        return self.key.replace(":", "-")


def lines(customer: Customer) -> list[Line]:
    """Every consent the customer can see and change: marketing on each channel, automated
    decisions, and each partner they have been asked about (sharing is asked where the data
    would go — a booking, a referral — so only partners asked before are listed)."""
    states = {c.key: c for c in Consent.objects.filter(customer=customer).select_related("partner")}
    out = []
    marketing = consent_wording.CURRENT[ConsentPurpose.MARKETING]
    for channel in MARKETING_CHANNELS:
        key = key_for(ConsentPurpose.MARKETING, channel=channel)
        text = consent_wording.render(marketing, channel=channel)
        out.append(
            Line(key, ConsentPurpose.MARKETING, channel, None, "", marketing, text, states.get(key))
        )
    sharing = consent_wording.CURRENT[ConsentPurpose.SHARING]
    for key, state in sorted(states.items()):
        if state.purpose != ConsentPurpose.SHARING:
            continue
        partner = state.partner
        text = consent_wording.render(
            sharing, partner_name=partner.name if partner else "", use=state.use
        )
        out.append(Line(key, ConsentPurpose.SHARING, "", partner, state.use, sharing, text, state))
    automated = consent_wording.CURRENT[ConsentPurpose.AUTOMATED]
    out.append(
        Line(
            "automated",
            ConsentPurpose.AUTOMATED,
            "",
            None,
            "",
            automated,
            consent_wording.render(automated),
            states.get("automated"),
        )
    )
    return out


def sharing_text(partner: Partner | tuple[str, str], use: str) -> tuple[str, str]:
    """(wording id, text) a page shows before the customer's data goes to ``partner`` (or to
    the partner a (Chinese, English) pair such as "the shop you choose" stands for, when the
    page offers a choice; the event records the text with the partner chosen)."""
    wording = consent_wording.CURRENT[ConsentPurpose.SHARING]
    name = partner if isinstance(partner, tuple) else partner.name
    return wording, consent_wording.render(wording, partner_name=name, use=use)


# ---- writes -----------------------------------------------------------------------------------


def _check_recorder(customer: Customer, source: str, acting_user: Any) -> Any:
    """Who may record from which source; returns the user to store (None for the system)."""
    if source not in ConsentSource.values:
        raise DomainError("consent_source", f"source 须为 {ConsentSource.values} 之一", "source")
    if acting_user is None or not getattr(acting_user, "is_authenticated", False):
        if source not in SYSTEM_SOURCES:
            raise PermissionDenied("须由客户本人或员工记录 / recorded by the customer or staff")
        return None
    if getattr(acting_user, "customer_id", None) == customer.pk and not getattr(
        acting_user, "is_insurer_staff", False
    ):
        if source not in CUSTOMER_SOURCES:
            raise DomainError(
                "consent_source", "客户本人在手机页面授权 / a customer consents on the phone page",
                "source",
            )  # fmt: skip
        return acting_user
    if not getattr(acting_user, "is_insurer_staff", False):
        raise PermissionDenied("无权记录授权 / you may not record consent")
    if not Customer.objects.restrict(acting_user).filter(pk=customer.pk).exists():
        raise PermissionDenied("无权查看该客户 / this customer is outside your access")
    if source not in STAFF_SOURCES:
        raise DomainError(
            "consent_source",
            "员工记录授权须注明通话录音或纸质授权书 / staff record consent from a call recording "
            "or a paper form",
            "source",
        )
    return acting_user


def _refresh(customer_id: int, key: str) -> Consent | None:
    """Rewrite the key's current state from its latest event (by ``at``, then id)."""
    latest = ConsentEvent.objects.filter(customer_id=customer_id, key=key).order_by("-at", "-pk")
    event = latest.first()
    if event is None:
        return None
    last_grant = latest.filter(action=ConsentAction.GRANT).values_list("at", flat=True).first()
    granted = event.action == ConsentAction.GRANT
    state, _ = Consent.objects.update_or_create(
        customer_id=customer_id,
        key=key,
        defaults={
            "purpose": event.purpose,
            "channel": event.channel,
            "partner_id": event.partner_id,
            "use": event.use,
            "granted": granted,
            "granted_at": last_grant,
            "withdrawn_at": None if granted else event.at,
            "source": event.source,
            "wording": event.wording,
        },
    )
    return state


def refresh_summary(customer_ids: Iterable[int]) -> None:
    """``Customer.marketing_consent`` (cached): True while any marketing channel is granted;
    ``marketing_consent_at`` the newest of those grants."""
    ids = list(customer_ids)
    newest = dict(
        Consent.objects.filter(customer_id__in=ids, purpose=ConsentPurpose.MARKETING, granted=True)
        .values("customer_id")
        .annotate(at=Max("granted_at"))
        .values_list("customer_id", "at")
    )
    for cid in ids:
        Customer.objects.filter(pk=cid).update(
            marketing_consent=cid in newest, marketing_consent_at=newest.get(cid)
        )


def _record(
    customer: Customer,
    purpose: str,
    action: str,
    *,
    channel: str,
    partner: Partner | int | None,
    use: str,
    source: str,
    acting_user: Any,
    wording: str | None,
    at: dt.datetime | None,
) -> ConsentEvent | None:
    key = key_for(purpose, channel=channel, partner=partner, use=use)
    recorder = _check_recorder(customer, source, acting_user)
    now = clock.now()
    if at is not None and at > now:
        raise DomainError(
            "consent_at", "授权时间不能晚于现在 / consent cannot be in the future", "at"
        )
    wording = wording or consent_wording.CURRENT[purpose]
    if wording not in consent_wording.WORDINGS:
        raise DomainError("consent_wording", f"未知文本版本 / unknown wording {wording}", "wording")
    if consent_wording.WORDINGS[wording].purpose != purpose:
        raise DomainError(
            "consent_wording", "文本版本与目的不符 / the wording is for another purpose", "wording"
        )
    partner_obj = None
    if purpose == ConsentPurpose.SHARING:
        partner_obj = (
            partner
            if isinstance(partner, Partner)
            else Partner.objects.filter(pk=_partner_id(partner) or 0).first()
        )
        if partner_obj is None:
            raise DomainError("consent_partner", "接收方不存在 / unknown partner", "partner_id")
    with transaction.atomic():
        locked = locks.lock(Customer, pk=customer.pk)
        if (
            action == ConsentAction.GRANT
            and purpose in STOPPED_BY_RESTRICTION
            and locked.restricted_at is not None
        ):
            raise DomainError(
                "restricted",
                "您的个人信息已限制处理，不能用于营销或向合作方提供 / processing of this customer's "
                "data is restricted: no marketing, no sharing with partners",
                status=409,
            )
        state = Consent.objects.filter(customer=locked, key=key).first()
        granted_now = bool(state and state.granted)
        # Nothing changes: a double click, or withdrawing what was never granted.
        if (
            at is None
            and granted_now == (action == ConsentAction.GRANT)
            and (action == ConsentAction.WITHDRAW or (state and state.wording == wording))
        ):
            return None
        event = ConsentEvent.objects.create(
            customer=locked,
            purpose=purpose,
            channel=channel,
            partner=partner_obj,
            use=use,
            key=key,
            action=action,
            source=source,
            wording=wording,
            text=consent_wording.render(
                wording,
                channel=channel,
                partner_name=partner_obj.name if partner_obj else "",
                use=use,
            ),
            at=at or now,
            recorded_by=recorder,
        )
        _refresh(locked.pk, key)
        if purpose == ConsentPurpose.MARKETING:
            refresh_summary([locked.pk])
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            event,
            summary=f"consent {key} {action} ({source}, {wording})",
        )
    return event


def grant(
    customer: Customer,
    purpose: str,
    *,
    channel: str = "",
    partner: Partner | int | None = None,
    use: str = "",
    source: str,
    acting_user: Any,
    wording: str | None = None,
    at: dt.datetime | None = None,
) -> ConsentEvent | None:
    """Record that ``customer`` agreed to ``purpose`` under ``wording`` (default: the current
    version); None when they already had (same wording). ``at``: when it was given (a paper
    form signed earlier), never in the future."""
    return _record(
        customer, purpose, ConsentAction.GRANT, channel=channel, partner=partner, use=use,
        source=source, acting_user=acting_user, wording=wording, at=at,
    )  # fmt: skip


def withdraw(
    customer: Customer,
    purpose: str,
    *,
    channel: str = "",
    partner: Partner | int | None = None,
    use: str = "",
    source: str,
    acting_user: Any,
    at: dt.datetime | None = None,
) -> ConsentEvent | None:
    """Record that ``customer`` withdrew ``purpose``; None when it was not granted. Withdrawing
    is always possible, restricted or not."""
    return _record(
        customer, purpose, ConsentAction.WITHDRAW, channel=channel, partner=partner, use=use,
        source=source, acting_user=acting_user, wording=None, at=at,
    )  # fmt: skip


def withdraw_marketing(customer: Customer, *, source: str, acting_user: Any) -> int:
    """Withdraw marketing on every channel at once; the number of channels withdrawn."""
    done = 0
    with transaction.atomic():
        for channel in MARKETING_CHANNELS:
            if withdraw(
                customer,
                ConsentPurpose.MARKETING,
                channel=channel,
                source=source,
                acting_user=acting_user,
            ):
                done += 1
    return done


def set_marketing(customer: Customer, granted: bool, *, source: str, acting_user: Any) -> int:
    """Grant or withdraw marketing on every channel (the customer API's ``marketing_consent``
    flag); the number of channels changed."""
    if not granted:
        return withdraw_marketing(customer, source=source, acting_user=acting_user)
    done = 0
    with transaction.atomic():
        for channel in MARKETING_CHANNELS:
            if grant(
                customer,
                ConsentPurpose.MARKETING,
                channel=channel,
                source=source,
                acting_user=acting_user,
            ):
                done += 1
    return done


def ensure_sharing(
    customer: Customer,
    partner: Partner,
    use: str,
    *,
    acting_user: Any,
    agreed: bool = False,
    source: str | None = None,
) -> None:
    """Before ``customer``'s data goes to ``partner`` for ``use`` (Art 23): refused while the
    customer is restricted; passes when they consented to that partner for that use; else,
    when ``agreed`` (the customer ticked the wording on their page, or staff record it from a
    call recording or a paper form named in ``source``), records the grant and passes; else
    ``DomainError`` ``sharing_consent`` naming the partner and the data."""
    # Restriction read from the row, not from a customer object loaded earlier.
    customer.restricted_at = (
        Customer.objects.filter(pk=customer.pk).values_list("restricted_at", flat=True).first()
    )
    if is_restricted(customer):
        raise DomainError(
            "restricted",
            "客户个人信息已限制处理，不能提供给合作方 / this customer's data is restricted: it is "
            "not shared with partners",
            status=409,
        )
    if allows(customer, ConsentPurpose.SHARING, partner=partner, use=use):
        return
    if agreed:
        own = getattr(acting_user, "customer_id", None) == customer.pk and not getattr(
            acting_user, "is_insurer_staff", False
        )
        grant(
            customer,
            ConsentPurpose.SHARING,
            partner=partner,
            use=use,
            source=ConsentSource.PHONE_PAGE if own else (source or ""),
            acting_user=acting_user,
        )
        return
    data_zh, data_en = consent_wording.SHARED_DATA[use]
    raise DomainError(
        "sharing_consent",
        f"需客户同意向{partner.name}提供{data_zh} / the customer must agree that {partner.name} "
        f"receives their {data_en}",
        "share_consent",
    )


# ---- bulk (imports, the generator, factories) ------------------------------------------------


def backfill_marketing(
    customer_ids: Iterable[int],
    *,
    source: str = ConsentSource.IMPORT,
    wording: str = "marketing-legacy",
    at: dt.datetime | None = None,
) -> int:
    """For customers loaded with ``marketing_consent`` set and no consent recorded yet (a bulk
    import, the synthetic book): a grant on every marketing channel, in bulk. Customers with
    any marketing event already are left alone. Returns the number of customers backfilled."""
    if source not in SYSTEM_SOURCES:
        raise DomainError("consent_source", "批量补录仅限导入 / bulk backfill is for imports")
    ids = list(customer_ids)
    moment = at or clock.now()
    done = 0
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        already = ConsentEvent.objects.filter(
            customer_id=OuterRef("pk"), purpose=ConsentPurpose.MARKETING
        )
        todo = list(
            Customer.objects.filter(pk__in=chunk, marketing_consent=True)
            .exclude(Exists(already))
            .values_list("pk", "marketing_consent_at")
        )
        events, states = [], []
        for cid, given in todo:
            when = given or moment
            for channel in MARKETING_CHANNELS:
                scope = {
                    "customer_id": cid,
                    "purpose": ConsentPurpose.MARKETING,
                    "channel": channel,
                    "key": f"marketing:{channel}",
                    "source": source,
                    "wording": wording,
                }
                text = consent_wording.render(wording, channel=channel)
                events.append(ConsentEvent(**scope, action=ConsentAction.GRANT, text=text, at=when))
                states.append(Consent(**scope, granted=True, granted_at=when))
        with transaction.atomic():
            ConsentEvent.objects.bulk_create(events, batch_size=1000)
            Consent.objects.bulk_create(states, batch_size=1000, ignore_conflicts=True)
        done += len(todo)
    return done


def backfill_flagged(
    *, source: str = ConsentSource.IMPORT, wording: str = "marketing-legacy"
) -> int:
    """``backfill_marketing`` for the whole book in two set-based statements (INSERT … SELECT):
    every customer with the flag set and no marketing event yet gets a grant on each channel,
    given at ``marketing_consent_at`` (else when the customer was created). For a bulk load of
    a million customers (the importer, the generator) after the rows are in. Returns the number
    of customers backfilled."""
    if source not in SYSTEM_SOURCES:
        raise DomainError("consent_source", "批量补录仅限导入 / bulk backfill is for imports")
    q = connection.ops.quote_name
    channels = " UNION ALL ".join(
        f"SELECT CAST(%s AS TEXT) AS {q('channel')}, CAST(%s AS TEXT) AS {q('text')}"
        for _ in MARKETING_CHANNELS
    )
    channel_params: list[Any] = []
    for channel in MARKETING_CHANNELS:
        channel_params += [channel, consent_wording.render(wording, channel=channel)]
    event, state, customer = (q(m._meta.db_table) for m in (ConsentEvent, Consent, Customer))
    given = f"COALESCE(c.{q('marketing_consent_at')}, c.{q('created_at')})"
    todo = (
        f"FROM {customer} c CROSS JOIN ({channels}) ch WHERE c.{q('marketing_consent')} = %s "  # noqa: S608 (quoted names, parameters)
        f"AND NOT EXISTS (SELECT 1 FROM {event} e WHERE e.{q('customer_id')} = c.{q('id')} "
        f"AND e.{q('purpose')} = %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {customer} c WHERE c.{q('marketing_consent')} = %s "  # noqa: S608 (quoted names, parameters)
            f"AND NOT EXISTS (SELECT 1 FROM {event} e WHERE e.{q('customer_id')} = c.{q('id')} "
            f"AND e.{q('purpose')} = %s)",
            [True, ConsentPurpose.MARKETING],
        )
        done = int(cursor.fetchone()[0])
        # The state first: its NOT EXISTS still sees no event for these customers.
        cursor.execute(
            f"INSERT INTO {state} ({q('customer_id')}, {q('purpose')}, {q('channel')}, "
            f"{q('partner_id')}, {q('use')}, {q('key')}, {q('granted')}, {q('granted_at')}, "
            f"{q('withdrawn_at')}, {q('source')}, {q('wording')}) "
            f"SELECT c.{q('id')}, %s, ch.{q('channel')}, NULL, '', 'marketing:' || ch.{q('channel')}, "
            f"%s, {given}, NULL, %s, %s {todo}",
            [ConsentPurpose.MARKETING, True, source, wording, *channel_params,
             True, ConsentPurpose.MARKETING],
        )  # fmt: skip
        cursor.execute(
            f"INSERT INTO {event} ({q('customer_id')}, {q('purpose')}, {q('channel')}, "
            f"{q('partner_id')}, {q('use')}, {q('key')}, {q('action')}, {q('source')}, "
            f"{q('wording')}, {q('text')}, {q('at')}, {q('recorded_at')}, {q('recorded_by_id')}) "
            f"SELECT c.{q('id')}, %s, ch.{q('channel')}, NULL, '', 'marketing:' || ch.{q('channel')}, "
            f"%s, %s, %s, ch.{q('text')}, {given}, %s, NULL {todo}",
            [ConsentPurpose.MARKETING, ConsentAction.GRANT, source, wording,
             clock.now(), *channel_params, True, ConsentPurpose.MARKETING],
        )  # fmt: skip
    return done
