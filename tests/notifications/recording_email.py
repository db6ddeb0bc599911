"""An email backend for the real-worker tests: it appends each message's delivery reference to
$SSD_TEST_OUTBOX/sent.log (so the test sees what the worker actually sent, and how many times),
after sleeping $SSD_TEST_EMAIL_DELAY seconds (so a SIGKILL lands mid-task)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("SSD_TEST_EMAIL_DELAY", "0"))
        log = Path(os.environ["SSD_TEST_OUTBOX"]) / "sent.log"
        for message in email_messages:
            if delay:
                time.sleep(delay)
            with log.open("a") as f:
                f.write(message.extra_headers["X-SSD-Notification"] + "\n")
        return len(email_messages)


def sent(outbox: Path) -> list[str]:
    log = outbox / "sent.log"
    return log.read_text().split() if log.exists() else []
