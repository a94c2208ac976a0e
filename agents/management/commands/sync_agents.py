from django.core.management.base import BaseCommand

from agents.services import sync_agents


class Command(BaseCommand):
    help = "Index AGENTS_ROOT: seed examples into an empty root, add new folders, mark vanished ones missing."

    def handle(self, **options):
        report = sync_agents()
        for label, folders in report.as_dict().items():
            if folders:
                self.stdout.write(f"{label}: {', '.join(folders)}")
        self.stdout.write(self.style.SUCCESS("Agents in sync."))
