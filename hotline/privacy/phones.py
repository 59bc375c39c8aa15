"""Phone numbers: normalise to E.164, recognise hidden caller ids, mask for display."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

DEFAULT_REGION = "KG"
KYRGYZ_COUNTRY_CODE = 996
MASKED = "[number]"

# Longer input is not a phone number; refusing it early keeps parsing cheap.
MAX_INPUT_LENGTH = 64
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_NON_DIGITS = re.compile(r"\D")

# What carriers put in From for a withheld caller id. Twilio used to send these words
# spelt on the keypad (ANONYMOUS -> +266696687) and now passes the words themselves.
HIDDEN_CALLER_WORDS = ("anonymous", "unknown", "restricted", "private", "unavailable", "blocked")
_KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")
_HIDDEN_CALLER_IDS = frozenset(
    {*HIDDEN_CALLER_WORDS, *("+" + word.translate(_KEYPAD) for word in HIDDEN_CALLER_WORDS)}
)


class InvalidNumber(ValueError):
    """A text is not a usable phone number; the message never repeats the number."""


def normalize_number(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return `raw` as an E.164 number, reading national forms in `region`."""
    text = raw.strip()
    if not text:
        raise InvalidNumber("no phone number given")
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidNumber("too long to be a phone number")
    if region.upper() == DEFAULT_REGION:
        text = _strip_soviet_trunk_prefix(text)
    try:
        number = phonenumbers.parse(text, region.upper())
    except NumberParseException:
        raise InvalidNumber("not a valid phone number") from None
    _check_usable(number, region.upper())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _strip_soviet_trunk_prefix(text: str) -> str:
    """Drop the old long-distance 8 in "8 0312 ..."; phonenumbers cannot read it."""
    if text.startswith("+"):
        return text
    digits = _NON_DIGITS.sub("", text)
    # 8, then a 0-prefixed nine-digit national number: eleven digits in all.
    if len(digits) == 11 and digits.startswith("80"):
        return digits[1:]
    return text


def _check_usable(number: PhoneNumber, region: str) -> None:
    if not phonenumbers.is_possible_number(number):
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        if where in (phonenumbers.UNKNOWN_REGION, phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY):
            where = region
        raise InvalidNumber(f"not a possible number for {where}")
    # A number's type is UNKNOWN exactly when it is not valid (is_valid_number works the type
    # out, then drops it): one look through the country's patterns, not two.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise InvalidNumber("not a valid phone number")
    if kind == PhoneNumberType.PREMIUM_RATE:
        raise InvalidNumber("premium-rate number not allowed")


def is_e164(value: str) -> bool:
    """True when `value` has the shape of an E.164 number (+, then 7 to 15 digits)."""
    return _E164.fullmatch(value) is not None


def is_kyrgyz(e164: str) -> bool:
    """True for a number with Kyrgyzstan's country code (+996)."""
    parsed = _parse_e164(e164)
    return parsed is not None and parsed.country_code == KYRGYZ_COUNTRY_CODE


def mask_number(e164: str) -> str:
    """A display form keeping the country code and last two digits: "+996 *** *** *40"."""
    parsed = _parse_e164(e164)
    if parsed is None:
        return MASKED
    last_two = str(parsed.national_number)[-2:]
    # A fixed shape: showing the real grouping would leak the number's length and kind.
    return f"+{parsed.country_code} *** *** *{last_two}"


def national_form(e164: str) -> str:
    """A public number as dialled at home: "0312 66 15 92" (never for a caller's number)."""
    parsed = _parse_e164(e164)
    if parsed is None:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def caller_number(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The caller's E.164 number from Twilio's From, or None when hidden or unusable."""
    if raw is None:
        return None
    text = raw.strip()
    if not text or text.lower() in _HIDDEN_CALLER_IDS:
        return None
    try:
        return normalize_number(text, region)
    except InvalidNumber:
        return None


def _parse_e164(e164: str) -> PhoneNumber | None:
    if not is_e164(e164):
        return None
    try:
        return phonenumbers.parse(e164, None)
    except NumberParseException:
        return None


# Numbers a person answers; anything else (premium, shared cost, UAN...) is never called back.
CALLABLE_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def callback_allowed(e164: str, countries: str = DEFAULT_REGION) -> bool:
    """Whether the hotline may dial `e164` back: an ordinary number in an allowed country."""
    number = _parse_e164(e164)
    if number is None:
        return False
    allowed = {code.strip().upper() for code in countries.split(",") if code.strip()}
    region = phonenumbers.region_code_for_number(number)
    return region in allowed and phonenumbers.number_type(number) in CALLABLE_TYPES
