"""The languages the hotline answers in, in menu order."""

from __future__ import annotations

LANGUAGES = ("ky", "ru", "uz", "en")
LANGUAGE_NAMES = {"ky": "Kyrgyz", "ru": "Russian", "uz": "Uzbek", "en": "English"}


def parse_languages(text: str) -> list[str]:
    """'ky,ru' -> ['ky', 'ru']; unknown codes raise ValueError naming them."""
    codes = [code.strip().lower() for code in text.split(",") if code.strip()]
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown or not codes:
        raise ValueError(
            f"languages must be a comma-separated list of {', '.join(LANGUAGES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return list(dict.fromkeys(codes))
