from django.conf import settings
from django.core.management.base import BaseCommand

from agents import gitops
from agents.services import sync_agents


class Command(BaseCommand):
    help = ("Index AGENTS_ROOT: seed the example agents into an empty root (as a new git repository), "
            "add folders made by hand, mark vanished ones missing.")

    def handle(self, **_):
        report = sync_agents()
        for label, folders in report.as_dict().items():
            if folders:
                self.stdout.write(f"{label}: {', '.join(folders)}")
        root = settings.AGENTS_ROOT
        self.stdout.write(self.style.SUCCESS(f"Agents in sync ({root})."))
        if settings.AUTO_COMMIT and root.is_dir() and gitops.repo_root(root) is None:
            self.stdout.write(self.style.WARNING(
                f"{root} is not a git repository, so agent changes are not committed. "
                f"To keep a history, run: git -C '{root}' init && git -C '{root}' add -A && "
                f"git -C '{root}' commit -m 'Agents'"))
