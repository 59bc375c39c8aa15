"""Where a Kyrgyz number comes from: oblast by landline area code, or "mobile"."""

from __future__ import annotations

from hotline.privacy.phones import KYRGYZ_COUNTRY_CODE, is_e164

MOBILE = "mobile"

OBLASTS: dict[str, str] = {
    "bishkek": "Bishkek",
    "chuy": "Chuy Region",
    "osh-city": "Osh",
    "osh": "Osh Region",
    "talas": "Talas Region",
    "naryn": "Naryn Region",
    "batken": "Batken Region",
    "jalal-abad": "Jalal-Abad Region",
    "issyk-kul": "Issyk-Kul Region",
}

# Our own table: phonenumbers' geocoder text has errors (Batken labelled "Naryn region").
# Keys are leading digits of the nine-digit national number.
AREA_PREFIXES: dict[str, str] = {
    "312": "bishkek",
    "313": "chuy",
    "322": "osh-city",
    "323": "osh",
    "342": "talas",
    "345": "talas",
    "352": "naryn",
    "353": "naryn",
    "362": "batken",
    "365": "batken",
    "372": "jalal-abad",
    "373": "jalal-abad",
    "374": "jalal-abad",
    "392": "issyk-kul",
    "394": "issyk-kul",
    # Mobile networks carry no region.
    "5": MOBILE,
    "7": MOBILE,
    "20": MOBILE,
    "22": MOBILE,
    "88": MOBILE,
    "99": MOBILE,
}
_LONGEST_PREFIX = max(len(prefix) for prefix in AREA_PREFIXES)
_NATIONAL_LENGTH = 9
_KYRGYZ = f"+{KYRGYZ_COUNTRY_CODE}"


def oblast_of(e164: str) -> str | None:
    """Oblast slug of a Kyrgyz landline, "mobile" for a Kyrgyz mobile, else None."""
    # No country code begins another, so an E.164 number is Kyrgyz when it begins +996, and the
    # rest is its national number: read off the text, not parsed again (every new call's
    # number was parsed twice, a tenth of /voice/incoming's CPU).
    if not is_e164(e164) or not e164.startswith(_KYRGYZ):
        return None
    national = e164[len(_KYRGYZ) :]
    if len(national) != _NATIONAL_LENGTH:
        return None
    for length in range(_LONGEST_PREFIX, 0, -1):
        found = AREA_PREFIXES.get(national[:length])
        if found is not None:
            return found
    return None
