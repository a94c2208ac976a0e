"""Create the first admin user and API token once, and say how to sign in."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = ("Create an admin user with a random password and an API token the first time; "
            "print the login and token, and keep a copy in $ORCHESTRATOR_HOME/admin-credentials (mode 0600).")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Name of the admin user (default: admin).")

    def handle(self, *, username: str, **_):
        users = get_user_model()
        credentials = settings.ORCHESTRATOR_HOME / "admin-credentials"
        if users.objects.filter(is_superuser=True).exists():
            hint = f" (first login is in {credentials})" if credentials.exists() else ""
            self.stdout.write(f"An admin user exists already{hint}.")
            return
        password = secrets.token_urlsafe(12)
        user = users.objects.create_superuser(username=username, email="", password=password)
        token, _ = Token.objects.get_or_create(user=user)
        text = f"username: {username}\npassword: {password}\napi token: {token.key}\n"
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.stdout.write(self.style.SUCCESS("Created the admin user. Sign in with:"))
        self.stdout.write(text.rstrip())
        self.stdout.write(f"(A copy is in {credentials}; change the password in /admin/.)")
