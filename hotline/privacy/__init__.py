"""The privacy layer: numbers, pseudonyms, sealing, oblasts, log masking (no flask, no twilio)."""

from __future__ import annotations

from hotline.privacy.logmask import (
    PhoneMaskFilter,
    install_phone_masking,
    mask_phone_numbers,
    mask_record,
)
from hotline.privacy.oblast import MOBILE, OBLASTS, oblast_of
from hotline.privacy.phones import (
    InvalidNumber,
    caller_number,
    is_e164,
    is_kyrgyz,
    mask_number,
    normalize_number,
)
from hotline.privacy.pseudonym import pseudonym_key_version, pseudonymize
from hotline.privacy.sealing import NumberBox, SealError

__all__ = [
    "MOBILE",
    "OBLASTS",
    "InvalidNumber",
    "NumberBox",
    "PhoneMaskFilter",
    "SealError",
    "caller_number",
    "install_phone_masking",
    "is_e164",
    "is_kyrgyz",
    "mask_number",
    "mask_phone_numbers",
    "mask_record",
    "normalize_number",
    "oblast_of",
    "pseudonym_key_version",
    "pseudonymize",
]
