"""Touchpoints' pages: ``complaints`` (the handlers' queue, a complaint's life, the customer's
own complaints) and ``surveys`` (the customer's answer from the link, the results). Mounted
under ``/ecosystem/`` (``carecircle/urls.py``), where the links already sent to customers point."""
