"""Fixtures of the deployment tests (defined in servicekit.py), available to every module here."""

from orchestrator_site.tests.servicekit import fake_claude, fake_managers, service_home  # noqa: F401
