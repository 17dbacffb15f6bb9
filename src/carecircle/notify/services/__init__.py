"""Notify's writes, the API other apps call: ``send`` (one customer) and ``send_many`` (a rule
reaching thousands), delivery after commit, ``flush_due``, and the customer's preferences
(unsubscribe, subscribe again, contact addresses), and the letter a person posts for a legal
notice no channel delivered (``record_letter_posted``). docs/notify.md.

``send`` is ``send_many`` of one: both go through ``sending._record`` and its one builder of
``Message`` (``sending.build_message``), and deliver through ``delivery.deliver_many``.
"""

from .delivery import deliver, deliver_many, flush_due
from .legal import record_letter_posted
from .preferences import resubscribe, set_address, unsubscribe
from .sending import CHUNK, Outgoing, send, send_many

__all__ = [
    "CHUNK",
    "Outgoing",
    "deliver",
    "deliver_many",
    "flush_due",
    "record_letter_posted",
    "resubscribe",
    "send",
    "send_many",
    "set_address",
    "unsubscribe",
]
