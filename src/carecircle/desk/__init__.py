"""Desk: the cross-domain read models — the customer 360 page, the value balance on it, the
value portfolio and the home dashboard's figures.

Every domain app reads only itself and the apps below it; a page that shows a customer's
policies, claims, renewal calls, vouchers and value side by side has to read them all, so it
lives here. Desk is the only app that composes domains: it reads (always through each model's
``restrict(user)``) and never writes. Nothing below it may import it; only the shell (``web``),
``api`` and the entry points sit above it (docs/architecture.md).
"""
