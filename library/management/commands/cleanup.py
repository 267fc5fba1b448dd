"""Remove orphans: stored files no audiobook names, and work folders no job needs.

    python manage.py cleanup [--min-age-minutes N]

Workers run the same sweep every CLEANUP_INTERVAL seconds; this is for cron or by hand.
Files younger than ORPHAN_MIN_AGE_MINUTES (default 60) are left alone: an upload or a finishing
conversion saves its file a moment before the row that names it.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from library import services


class Command(BaseCommand):
    help = "Remove stored files and work folders that no audiobook needs any more."

    def add_arguments(self, parser):
        parser.add_argument("--min-age-minutes", type=float, help="leave younger files alone")

    def handle(self, *args, min_age_minutes=None, **options):
        min_age = None if min_age_minutes is None else timedelta(minutes=min_age_minutes)
        swept = services.sweep_orphans(min_age)
        self.stdout.write(
            f"removed {swept['files']} orphan file(s), {swept['folders']} work folder(s)"
        )
