"""The privacy layer: numbers, pseudonyms, sealing, oblasts and log masking."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Iterator

import phonenumbers
import pytest
from cryptography.fernet import Fernet
from phonenumbers import PhoneNumberFormat

from hotline.privacy import (
    InvalidNumber,
    NumberBox,
    PhoneMaskFilter,
    SealError,
    caller_number,
    install_phone_masking,
    is_kyrgyz,
    mask_number,
    normalize_number,
    oblast_of,
    pseudonym_key_version,
    pseudonymize,
)
from hotline.privacy.oblast import AREA_PREFIXES

NUMBER = "+996555123456"


def test_pseudonym_is_stable_for_one_key_and_version() -> None:
    assert pseudonymize(NUMBER, "key-a", 1) == pseudonymize(NUMBER, "key-a", 1)


def test_pseudonym_differs_by_key_version_and_number() -> None:
    base = pseudonymize(NUMBER, "key-a", 1)
    assert pseudonymize(NUMBER, "key-b", 1) != base
    assert pseudonymize(NUMBER, "key-a", 2).split(":")[1] == base.split(":")[1]
    assert pseudonymize(NUMBER, "key-a", 2) != base
    assert pseudonymize("+996555123457", "key-a", 1) != base


def test_pseudonym_keeps_its_key_version_and_is_keyed() -> None:
    pseudonym = pseudonymize(NUMBER, "key-a", 7)
    version, digest = pseudonym.split(":")
    assert version == "7" and len(digest) == 64
    assert pseudonym_key_version(pseudonym) == 7
    assert digest != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert NUMBER[1:] not in pseudonym


@pytest.mark.parametrize("bad", ["0555123456", "+996 555 123 456", "anonymous", ""])
def test_pseudonym_needs_an_e164_number(bad: str) -> None:
    with pytest.raises(InvalidNumber):
        pseudonymize(bad, "key-a", 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0312 51-26-40", "+996312512640"),
        ("(0312) 51-26-40", "+996312512640"),
        ("+996 555 123 456", "+996555123456"),
        ("00996 555 123456", "+996555123456"),
        ("996555123456", "+996555123456"),
        ("8 0312 51-26-40", "+996312512640"),
        ("8 (03222) 2-97-57", "+996322229757"),
        ("0555 123 456", "+996555123456"),
        ("  +996555123456  ", "+996555123456"),
        ("+7 (912) 345-67-89", "+79123456789"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_numbers_normalise_to_e164(raw: str, expected: str) -> None:
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "no phone number given"),
        ("anonymous", "not a valid phone number"),
        ("+996 312", "not a possible number for KG"),
        ("0312 51", "not a valid phone number"),
        ("(03934) 4-41-37", "not a valid phone number"),
        ("+996 900 123 456", "not a valid phone number"),
        ("+44 901 234 5678", "premium-rate number not allowed"),
        ("+7 912 3", "not a possible number for RU"),
        ("5" * 80, "too long to be a phone number"),
    ],
)
def test_bad_numbers_are_rejected_without_repeating_them(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        normalize_number(raw)
    assert str(caught.value) == reason
    assert not any(char.isdigit() for char in str(caught.value))


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "  ",
        "anonymous",
        "Anonymous",
        "unknown",
        "restricted",
        "+266696687",
        "+7378742833",
        "client:alice",
        "12",
    ],
)
def test_hidden_or_unusable_caller_ids_mean_no_number(raw: str | None) -> None:
    assert caller_number(raw) is None


def test_caller_number_normalises_a_real_caller() -> None:
    assert caller_number("0555 123 456") == NUMBER


def test_mask_number_keeps_country_code_and_last_two_digits() -> None:
    assert mask_number("+996312512640") == "+996 *** *** *40"
    assert mask_number("+79123456789") == "+7 *** *** *89"
    assert mask_number("not a number") == "[number]"


def test_is_kyrgyz() -> None:
    assert is_kyrgyz("+996312512640")
    assert not is_kyrgyz("+79123456789")
    assert not is_kyrgyz("0312512640")


@pytest.mark.parametrize(
    ("e164", "oblast"),
    [
        ("+996322229757", "osh-city"),
        ("+996323426033", "osh"),
        ("+996312512640", "bishkek"),
        ("+996394344137", "issyk-kul"),
        ("+996362222027", "batken"),
        ("+996372255084", "jalal-abad"),
        ("+996342253818", "talas"),
        ("+996352253770", "naryn"),
        ("+996555123456", "mobile"),
        ("+996702223535", "mobile"),
        ("+996220123456", "mobile"),
        ("+79123456789", None),
        ("+996393444137", None),
        ("0312512640", None),
    ],
)
def test_oblast_of_a_number(e164: str, oblast: str | None) -> None:
    assert oblast_of(e164) == oblast


def test_a_kyrgyz_numbers_national_part_is_what_follows_996() -> None:
    """oblast_of reads the national number off the text: for a number of every area it knows,
    that is the national number phonenumbers parses, and the text is its E.164 form."""
    for prefix in AREA_PREFIXES:
        e164 = "+996" + prefix + "234567890"[: 9 - len(prefix)]
        parsed = phonenumbers.parse(e164, None)
        assert parsed.country_code == 996
        assert phonenumbers.national_significant_number(parsed) == e164[4:]
        assert phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == e164
        assert oblast_of(e164) == AREA_PREFIXES[prefix]


def test_sealed_number_round_trips_and_hides_the_number() -> None:
    box = NumberBox(Fernet.generate_key().decode())
    token = box.seal(NUMBER)
    assert NUMBER[1:] not in token
    assert box.unseal(token) == NUMBER


def test_old_key_second_in_the_list_still_opens() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = NumberBox(old).seal(NUMBER)
    rotated = NumberBox(f"{new}, {old}")
    assert rotated.unseal(token) == NUMBER
    resealed = rotated.reseal(token)
    assert NumberBox(new).unseal(resealed) == NUMBER
    with pytest.raises(SealError):
        NumberBox(old).unseal(resealed)


@pytest.mark.parametrize("token", ["", "not-a-token", "gAAAAABkZ"])
def test_bad_tokens_raise_seal_error(token: str) -> None:
    with pytest.raises(SealError) as caught:
        NumberBox(Fernet.generate_key().decode()).unseal(token)
    assert not any(char.isdigit() for char in str(caught.value))


def test_unseal_refuses_a_token_older_than_max_age() -> None:
    key = Fernet.generate_key()
    token = Fernet(key).encrypt_at_time(NUMBER.encode(), int(time.time()) - 3600).decode()
    box = NumberBox(key.decode())
    assert box.unseal(token) == NUMBER
    with pytest.raises(SealError):
        box.unseal(token, max_age=60)


@pytest.mark.parametrize("keys", ["", " , ", "not-a-fernet-key"])
def test_bad_encryption_keys_are_refused(keys: str) -> None:
    with pytest.raises(ValueError, match="HOTLINE_ENCRYPTION_KEY"):
        NumberBox(keys)


PHONE_TEXTS = [
    "+996555123456",
    "+996 555 123 456",
    "00996 555 123456",
    "0312 51-26-40",
    "(0312) 51-26-40",
    "(03222) 2-97-57",
    "8 (03222) 2-97-57",
    "8 0312 51 26 40",
    "996555123456",
    "0555 123 456",
    "+7 (912) 345-67-89",
    "+1 415 555 0100",
    "%2B996555123456",
]
HARMLESS_TEXTS = [
    "call ended 2026-11-22 10:15:00 after 12 s",
    "CallSid CA0123456789abcdef0123456789abcdef status 200",
    "listening on 127.0.0.1:5000",
    '"POST /voice/status HTTP/1.1" 200 1532',
    "emergency numbers 102, 103, 112",
    "job 550e8400-e29b-41d4-a716-446655440000 at 2026-11-22T10:15:00+06:00",
    "attempt 3 of 5, waited 45 s",
]


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A real logger writing to a string, with masking installed; the factory restored after."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("hotline.tests.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    install_phone_masking(logger)
    yield logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


@pytest.mark.parametrize("text", PHONE_TEXTS)
def test_numbers_in_messages_and_args_are_masked(
    logged: tuple[logging.Logger, io.StringIO], text: str
) -> None:
    logger, stream = logged
    logger.info("caller %s asked for a callback", text)
    logger.warning(f"inline {text} here")
    assert stream.getvalue() == (
        "INFO caller [number] asked for a callback\nWARNING inline [number] here\n"
    )


@pytest.mark.parametrize("text", PHONE_TEXTS)
def test_numbers_in_a_logged_traceback_are_masked(
    logged: tuple[logging.Logger, io.StringIO], text: str
) -> None:
    logger, stream = logged

    def dial(number: str) -> None:
        raise RuntimeError(f"cannot dial {number}")

    try:
        dial(text)
    except RuntimeError:
        logger.exception("callback failed")
    output = stream.getvalue()
    assert output.startswith("ERROR callback failed\nTraceback (most recent call last):")
    assert "RuntimeError: cannot dial [number]" in output
    assert _digits(text) not in _digits(output)


@pytest.mark.parametrize("text", HARMLESS_TEXTS)
def test_ordinary_numbers_are_left_alone(
    logged: tuple[logging.Logger, io.StringIO], text: str
) -> None:
    logger, stream = logged
    logger.info("%s", text)
    assert stream.getvalue() == f"INFO {text}\n"


def test_a_handler_added_after_install_is_covered(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, _ = logged
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    logger.addHandler(handler)
    try:
        logger.info("sms from %s", NUMBER)
    finally:
        logger.removeHandler(handler)
    assert late.getvalue() == "sms from [number]\n"


def test_a_message_that_does_not_fit_its_args_is_masked_not_raised(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("two slots %s %s", NUMBER)
    assert "[number]" in stream.getvalue()
    assert _digits(NUMBER) not in _digits(stream.getvalue())


def test_filter_masks_extra_fields_and_rebuilt_records() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s caller=%(caller)s"))
    handler.addFilter(PhoneMaskFilter())
    record = logging.makeLogRecord({"msg": "relay to %s", "args": ("0555 123 456",)})
    record.caller = NUMBER
    handler.handle(record)
    assert stream.getvalue() == "relay to [number] caller=[number]\n"


def test_install_is_idempotent(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logged
    factory = logging.getLogRecordFactory()
    install_phone_masking(logger)
    assert logging.getLogRecordFactory() is factory
    # pytest adds its own capture handlers; ours is the one writing to `stream`.
    (handler,) = [h for h in logger.handlers if getattr(h, "stream", None) is stream]
    assert sum(isinstance(found, PhoneMaskFilter) for found in handler.filters) == 1
    logger.info("%s", NUMBER)
    assert stream.getvalue() == "INFO [number]\n"
