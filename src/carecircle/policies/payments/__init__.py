"""Payments for proposals (见费出单): the gateway interface and its adapters (``base``), the
signature of notifications (``signing``), the simulator, settings (``conf``) and the services
that start a payment and receive its notification (``services``). docs/payments.md."""
