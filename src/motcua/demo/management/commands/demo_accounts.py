"""manage.py demo_accounts: print the demo accounts and their password."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.demo.loader import account_lines


class Command(BaseCommand):
    help = "Print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Demo accounts (password for all):")
        for line in account_lines():
            self.stdout.write(line)
