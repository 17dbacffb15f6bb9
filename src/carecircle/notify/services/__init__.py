"""Notify's writes, the API other apps call: ``send`` (one customer) and ``send_many`` (a rule
reaching thousands), delivery after commit, ``flush_due``, and the customer's preferences
(unsubscribe, subscribe again, contact addresses). docs/notify.md.
"""

from .bulk import CHUNK, Outgoing, deliver_many, send_many
from .single import deliver, flush_due, resubscribe, send, set_address, unsubscribe

__all__ = [
    "CHUNK",
    "Outgoing",
    "deliver",
    "deliver_many",
    "flush_due",
    "resubscribe",
    "send",
    "send_many",
    "set_address",
    "unsubscribe",
]
