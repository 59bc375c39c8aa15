"""The privacy layer: numbers, pseudonyms, sealing (the keyring), oblasts, log masking.

No flask, no twilio: a layer every channel and job uses the same way.
"""

from __future__ import annotations

from hotline.privacy.keyring import Keyring
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
    national_form,
    normalize_number,
)
from hotline.privacy.pseudonym import pseudonym_key_version, pseudonymize
from hotline.privacy.sealing import NumberBox, SealError

__all__ = [
    "MOBILE",
    "OBLASTS",
    "InvalidNumber",
    "Keyring",
    "NumberBox",
    "PhoneMaskFilter",
    "SealError",
    "caller_number",
    "install_phone_masking",
    "is_e164",
    "is_kyrgyz",
    "mask_number",
    "national_form",
    "mask_phone_numbers",
    "mask_record",
    "normalize_number",
    "oblast_of",
    "pseudonym_key_version",
    "pseudonymize",
]
