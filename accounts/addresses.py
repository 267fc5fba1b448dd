"""Email addresses as accounts compare them: one normal form, and a look-alike skeleton.

Every place that takes an address from a person (sign-up, login, password reset, the login
lockout's key, the mail limits, the admin, `createsuperuser`) passes it through
`normalize_email` first, and rows are looked up by exact match on that form: never by the
database's own case folding, which differs between databases and locales (PostgreSQL with a
UTF-8 locale folds "ſ" to "S" and "ı" to "I"; SQLite folds ASCII only), so that two spellings
would reach one account while counting towards two lockouts.

`skeleton` is what an address looks like (Unicode's UTS #39 confusable skeleton, computed by
ICU): "alıce@example.com" and "alice@exаmple.com" (a Cyrillic "а") look like
"alice@example.com". A new address whose skeleton matches an existing account's is refused.
"""

import unicodedata

import icu

# ICU's spoof checker implements UTS #39 with the confusables data of its Unicode version; one
# checker is shared, as getSkeleton only reads it (ICU documents that as thread-safe).
_SPOOF_CHECKER = icu.SpoofChecker()


def normalize_email(address: str) -> str:
    """The form an address is stored, looked up and counted in: NFKC, then casefolded.

    NFKC turns compatibility characters into the letters they stand for ("ſ" into "s", the
    Kelvin sign into "K", full-width letters into ASCII); casefolding is Unicode's
    case-insensitive comparison (UTR #36 and Django's own password-reset form compare this
    way). The domain is not punycode-decoded or otherwise rewritten: mail goes where the
    person typed, less case.
    """
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def skeleton(address: str) -> str:
    """What the address looks like: equal skeletons are easy to mistake for one another.

    Taken of the normal form, so that case and compatibility characters do not matter either.
    """
    return _SPOOF_CHECKER.getSkeleton(0, normalize_email(address))
