"""Gateways that refuse: an SMTP server and an SMS gateway."""

from django.core.mail.backends.base import BaseEmailBackend

from carecircle.notify.channels import DeliveryError


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp.example.cn:25 refused")


class RefusingSmsAdapter:
    """An SMS gateway that refuses every message."""

    channel = "sms"

    def deliver(self, message, address):
        raise DeliveryError("SMS gateway: 40301 account suspended")
