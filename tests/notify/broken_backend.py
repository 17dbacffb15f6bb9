from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp.example.cn:25 refused")
