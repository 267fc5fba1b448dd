"""Store every address in its normal form (NFKC, then casefolded), as accounts look them up.

Rows written by the original Audiobooker, or by this app before addresses were normalised,
may hold "Carol@Example.COM"; logins match the normal form exactly, so such a row is rewritten
to "carol@example.com". Values only: the `users` table keeps the seed's schema.

Safe on a database the seed made: when two rows would end up with the same address (the old
app let "Bob@x.org" and "bob@x.org" both exist), the row already in normal form keeps it (or
the older one, when neither is), the other is left as it was and named in a warning, and an
administrator decides which account stays. Nothing is ever lost or merged.
"""

import logging
import unicodedata

from django.db import migrations

log = logging.getLogger(__name__)


def normal(address):
    # The rule of accounts.addresses.normalize_email, spelled out here so that this migration
    # keeps doing what it did when it ran first.
    return unicodedata.normalize("NFKC", (address or "").strip()).casefold()


def normalize_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = list(User.objects.order_by("created_at", "pk").values_list("pk", "email"))
    max_length = User._meta.get_field("email").max_length
    taken = {email for _, email in rows if email == normal(email)}
    for pk, email in rows:
        wanted = normal(email)
        if wanted == email:
            continue
        if wanted in taken:
            log.warning(
                "account %s keeps its address %r: another account has %r (resolve in the admin)",
                pk, email, wanted,
            )  # fmt: skip
            continue
        if len(wanted) > max_length:  # NFKC can lengthen text ("㎒" is "mhz")
            log.warning("account %s keeps its address %r: its normal form is too long", pk, email)
            continue
        User.objects.filter(pk=pk).update(email=wanted)
        taken.add(wanted)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(normalize_addresses, migrations.RunPython.noop)]
