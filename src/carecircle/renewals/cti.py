"""Telephony (CTI) adapter: click-to-call out, call events in.

A real call centre (e.g. a SIP/PBX platform with a CTI API) implements ``CtiAdapter`` and is
named in ``settings.CARECIRCLE["RENEWALS"]``-independent setting ``CARECIRCLE_CTI`` (dotted
path). Its ``dial`` starts the call and returns the platform's call id; the platform then
posts events (answered, ended with duration and recording id) to ``/renewals/cti/events``
with the shared token, and ``services.apply_call_event`` stores them on the contact.

``SimulatedDialer`` (demo and tests) answers at once, deterministically from the call id, so
a test can pick a number that connects or not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class CallEvent:
    call_id: str
    connected: bool
    duration_s: int
    recording_ref: str


class CtiAdapter(Protocol):
    def dial(self, *, call_id: str, seat_username: str, phone: str) -> CallEvent | None:
        """Start the call. Return the final event when the platform reports synchronously
        (the simulator), or None when it will post events later."""


class SimulatedDialer:
    """Connects about 60 % of calls; a connected call lasts 30–329 s and is recorded."""

    connect_share = 60

    def dial(self, *, call_id: str, seat_username: str, phone: str) -> CallEvent:
        digest = int(hashlib.sha256(f"{phone}|{call_id}".encode()).hexdigest()[:8], 16)
        connected = digest % 100 < self.connect_share
        if not connected:
            return CallEvent(call_id, False, 0, "")
        return CallEvent(call_id, True, 30 + digest % 300, f"SIM-REC-{call_id}")


class AlwaysConnects(SimulatedDialer):
    connect_share = 100


class NeverConnects(SimulatedDialer):
    connect_share = 0


def adapter() -> CtiAdapter:
    dotted = getattr(settings, "CARECIRCLE_CTI", "carecircle.renewals.cti.SimulatedDialer")
    return import_string(dotted)()
