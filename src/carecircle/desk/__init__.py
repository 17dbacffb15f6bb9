"""Cross-domain read models: the customer 360 and the portfolio; the one app that composes."""
