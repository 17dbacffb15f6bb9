"""Parties settings with documented defaults.

Book-wide, so a deployment overrides them at the top level of ``settings.CARECIRCLE``
(``AppSettings(None, …)``, carecircle.core.conf). The lookup brakes also read their default
from the environment, so an operator (or a load test) sets them without editing settings.
"""

from __future__ import annotations

import os
from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Customers per page of the customer search (MAX_PAGE pages at most).
    "SEARCH_PAGE_SIZE": 25,
    # The existence oracle's brake (docs/privacy.md "Lookups"): per user, at most this many
    # "another customer already has this phone / ID number" answers (409) in the window; past
    # it every create or edit that sets a phone or ID number is refused (429
    # ``too_many_lookups``) until the window has room again.
    "EXISTENCE_ANSWERS_PER_HOUR": int(os.environ.get("CARECIRCLE_EXISTENCE_ANSWERS_PER_HOUR", 10)),
    # Searches by a full phone or ID number (pages and API) per user in the window. Higher:
    # a seat looks callers up all day, and a search only ever answers within the user's scope.
    "PII_SEARCHES_PER_HOUR": int(os.environ.get("CARECIRCLE_PII_SEARCHES_PER_HOUR", 120)),
    "LOOKUP_WINDOW_MINUTES": 60,
}

# ``conf.get("SEARCH_PAGE_SIZE")``: the deployment's value, else the default.
get = AppSettings(None, DEFAULTS).get
