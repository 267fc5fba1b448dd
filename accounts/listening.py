"""What a person's books are read with: their default voice and pronunciation lists.

Every conversion reads the administrator's list (rows without a user) and then its owner's,
so the owner's pair wins where both have the same word (conversions.normalize.Lexicon: the
later pair wins). The lists go into the speech processes with the book; the chunk cache is
keyed on the text as spoken, so a changed list speaks the changed chunks again and reuses the
others.

The text format for import and export is conversions.normalize's (`nginx = engine x`, one
pair a line, options in brackets). An import is all or nothing: any bad line is reported with
its number and nothing is saved.
"""

from django.db import transaction

from conversions import speech
from conversions.normalize import (
    MAX_ENTRIES,
    NORMALIZE_VERSION,
    Substitution,
    format_lexicon,
    lexicon_fingerprint,
    parse_lexicon,
    validate_substitution,
)

from .models import Preferences, Pronunciation, User


def default_voice(user) -> str:
    """The voice a person's uploads start with: their own choice while it is installed, else
    "auto" (the best voice for each book's language)."""
    preferences = Preferences.objects.filter(user=user).first() if user else None
    if preferences and preferences.voice:
        try:
            return speech.get_voice(preferences.voice).id
        except speech.UnknownVoice:
            pass
    return speech.AUTOMATIC


class ListFull(ValueError):
    """The list would pass MAX_ENTRIES pairs."""


def as_substitution(row: Pronunciation) -> Substitution:
    return Substitution(row.written, row.spoken, row.case_sensitive, row.language or None)


def _key(written: str, case_sensitive: bool, language: str) -> tuple:
    """Pairs with the same key replace each other (what parse_lexicon calls a duplicate)."""
    return (written if case_sensitive else written.casefold(), case_sensitive, language or "")


def lexicon_for(user: User | None) -> list[Substitution]:
    """The administrator's pairs, then `user`'s: what `user`'s books are read with."""
    rows = list(Pronunciation.objects.filter(user=None).order_by("pk"))
    if user is not None:
        rows += Pronunciation.objects.filter(user=user).order_by("pk")
    return [as_substitution(row) for row in rows]


def spoken_with(lexicon: list[Substitution], voice_id: str) -> str:
    """What, besides the text, the voice and the rate, shapes what a book read with `lexicon`
    (lexicon_for its owner) by `voice_id` says: the text rules' version and the pronunciation
    pairs that apply to the voice's language. Reused audio must match it."""
    try:
        language = speech.get_voice(voice_id).language
    except speech.UnknownVoice:
        return ""
    pairs = lexicon_fingerprint(lexicon, language)
    return f"rules {NORMALIZE_VERSION}; pairs {pairs or 'none'}"


def export_text(user: User) -> str:
    """A person's list in the text format (what import takes back)."""
    rows = Pronunciation.objects.filter(user=user).order_by("written", "pk")
    return format_lexicon([as_substitution(row) for row in rows])


def pair_errors(written: str, spoken: str, case_sensitive: bool, language: str) -> list[str]:
    """What is wrong with one pair, in words ([] when it can be saved)."""
    return validate_substitution(written, spoken, case_sensitive, language or None)


@transaction.atomic
def save_pairs(user: User | None, pairs: list[Substitution]) -> int:
    """Add `pairs` to a list (a pair for a word already there replaces it); how many are new.

    Raises ListFull, saving nothing, when the list would pass MAX_ENTRIES pairs.
    """
    if user is not None:
        User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time
    existing = {
        _key(row.written, row.case_sensitive, row.language): row
        for row in Pronunciation.objects.filter(user=user)
    }
    added = 0
    for pair in pairs:
        language = pair.language or ""
        row = existing.get(_key(pair.written, pair.case_sensitive, language))
        if row is not None:
            row.written, row.spoken = pair.written, pair.spoken
            row.save(update_fields=["written", "spoken"])
            continue
        existing[_key(pair.written, pair.case_sensitive, language)] = Pronunciation.objects.create(
            user=user,
            written=pair.written,
            spoken=pair.spoken,
            case_sensitive=pair.case_sensitive,
            language=language,
        )
        added += 1
    if len(existing) > MAX_ENTRIES:
        transaction.set_rollback(True)
        raise ListFull(
            f"A pronunciation list holds at most {MAX_ENTRIES} pairs; this would make it "
            f"{len(existing)}. Remove some first."
        )
    return added


def import_text(user: User | None, text: str) -> int:
    """Add every pair of a list in the text format; LexiconError (with line numbers) or ListFull
    when it cannot be, and then nothing is saved. How many pairs are new."""
    return save_pairs(user, parse_lexicon(text))
