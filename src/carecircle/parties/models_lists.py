"""What a customer's grey or black list entry does, readable by every app below value (claims'
fast track, the alliance, renewals' quote). Written by value's list decisions (issue #16)."""

from __future__ import annotations
