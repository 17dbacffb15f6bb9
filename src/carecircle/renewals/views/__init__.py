"""Renewal pages: the seat's workspace (``workspace``), the supervisor's pipeline
(``pipeline``), 考核督导 (``supervision``) and the CTI platform's webhook (``cti``)."""
