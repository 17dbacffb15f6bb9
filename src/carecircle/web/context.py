"""Main navigation built from each app's ``nav_items`` so apps add their pages without
editing the shared base template."""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from carecircle.core.roles import Perm, Role, has_perm

# ``nav_items`` permission slot for pages only a customer login has (their own claims, …).
CUSTOMERS_ONLY = "customer"
# … and for partner users (a 4S shop's own scorecard, …).
PARTNERS_ONLY = "partner"


def nav(request) -> dict:
    """``app_nav``: one entry per app; an app offering the user several pages is one menu
    (``children``) named after the app, so a manager's bar stays on one line."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"app_nav": []}
    current = getattr(getattr(request, "resolver_match", None), "app_name", None)
    entries = []
    seen: set[str] = set()
    for config in apps.get_app_configs():
        items = []
        for url_name, label, perm in getattr(config, "nav_items", ()):
            if perm == CUSTOMERS_ONLY:
                if not user.customer_id or getattr(user, "is_insurer_staff", False):
                    continue
            elif perm == PARTNERS_ONLY:
                if not user.partner_id or user.role != Role.PARTNER_USER:
                    continue
            elif perm and not has_perm(user, Perm(perm)):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:  # an app still growing its pages
                continue
            if url in seen:  # one page offered to several audiences is listed once
                continue
            seen.add(url)
            # An app's menu may list another app's page (complaints sit in the ecosystem menu
            # but are touchpoints' pages): an item is current when its own namespace is.
            here = current in (config.label, url_name.partition(":")[0])
            items.append({"url": url, "label": label, "current": here})
        if len(items) == 1:
            entries.append(items[0])
        elif items:
            entries.append(
                {
                    "label": config.verbose_name,
                    "children": items,
                    "current": any(item["current"] for item in items),
                    "url": items[0]["url"],
                }
            )
    return {"app_nav": entries}
