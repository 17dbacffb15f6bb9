"""Parties settings with documented defaults.

Book-wide, so a deployment overrides them at the top level of ``settings.CARECIRCLE``
(``AppSettings(None, …)``, carecircle.core.conf).
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Customers per page of the customer search (MAX_PAGE pages at most).
    "SEARCH_PAGE_SIZE": 25,
}

# ``conf.get("SEARCH_PAGE_SIZE")``: the deployment's value, else the default.
get = AppSettings(None, DEFAULTS).get
