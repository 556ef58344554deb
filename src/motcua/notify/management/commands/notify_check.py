"""`manage.py notify_check`: the configuration self-check of each channel's provider adapter."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.notify import channels, services
from motcua.notify.models import Channel


class Command(BaseCommand):
    help = "Check the configuration of the notification channels (e-mail, SMS, Zalo ZNS)."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = 0
        if services.test_mode():
            self.stdout.write("MOTCUA_NOTIFY_TEST_MODE is on: no message leaves this machine")
        for channel in Channel.values:
            try:
                adapter = channels.adapter_for(channel)
            except Exception as error:
                self.stdout.write(f"{channel}: {error}")
                problems += 1
                continue
            found = adapter.check_configuration()
            problems += len(found)
            self.stdout.write(f"{adapter.name}: " + ("OK" if not found else "; ".join(found)))
        if problems:
            raise CommandError(f"{problems} problem(s) in the notification configuration")
