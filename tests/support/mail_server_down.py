"""An e-mail backend whose server is down: every send fails as smtplib does when the connection drops.

The SMTP boundary for the tests of what happens when e-mail cannot be sent; point ``settings.EMAIL_BACKEND`` at
``tests.support.mail_server_down.EmailBackend``, then back at locmem when the server is "up" again.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    attempts = 0  # messages it was asked to send, over all instances (reset it in the test)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        EmailBackend.attempts += len(email_messages)
        if email_messages and not self.fail_silently:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return 0
