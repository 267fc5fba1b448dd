"""List the installed voices: id, engine, language, quality.

    python manage.py voices [--language LANG]

The ids are what TTS_VOICE, `manage.py convert --voice` and the upload form take. Piper voices
come from the bundled package and PIPER_VOICES_DIR; a voice file there that cannot be used is
logged and not listed.
"""

from django.core.management.base import BaseCommand

from conversions import speech


class Command(BaseCommand):
    help = "List the installed voices: id, engine, language, quality."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--language", help="only voices for this language (e.g. en, ru, ja)")

    def handle(self, *args, language=None, **options):
        voices = speech.installed_voices()
        if language:
            wanted = speech.primary_language(language)
            voices = [voice for voice in voices if voice.primary_language == wanted]
        rows = [("id", "engine", "language", "quality", "name")]
        rows += [(v.id, v.engine, v.language, v.quality, v.label) for v in voices]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[4]]).rstrip())
