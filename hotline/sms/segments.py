"""How many SMS parts a text takes: GSM-7 160/153, anything else (Cyrillic) UCS-2 70/67."""

from __future__ import annotations

# The GSM 03.38 basic set; a character outside it (and outside the extension) forces UCS-2.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character fits the 7-bit GSM alphabet."""
    return all(ch in GSM7 or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """The number of SMS parts `text` is sent as."""
    if is_gsm7(text):
        length = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if length <= single else -(-length // part)
