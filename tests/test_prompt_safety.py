"""What a stranger answering a callback hears must not say where the call comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.ivr.prompts import PromptCatalog
from hotline.settings import DEFAULTS

# Word stems that would tell a perpetrator who is calling, in the four languages.
GIVEAWAYS = (
    "hotline",
    "crisis",
    "help",
    "violen",
    "counsel",
    "support",
    "centre",
    "center",
    "довери",
    "кризис",
    "помощ",
    "насили",
    "консульт",
    "центр",
    "психолог",
    "ишеним",
    "жардам",
    "зомбулу",
    "кеңешчи",
    "борбор",
    "ishonch",
    "yordam",
    "zo'ravon",
    "maslahat",
    "markaz",
    "inqiroz",
)
# The words that tell the counsellor what to do when someone else answers the caller's phone.
SOMEONE_ELSE = {
    "ky": "башка бирөө",
    "ru": "кто-то другой",
    "uz": "boshqa odam",
    "en": "someone else",
}


@pytest.mark.parametrize("lang", ["ky", "ru", "uz", "en"])
def test_the_callback_greeting_is_neutral(lang: str) -> None:
    catalog = PromptCatalog.load(Path(DEFAULTS["HOTLINE_CONFIG_DIR"]))
    text = catalog.prompt(lang, "callback_caller_screen").text.lower()
    assert not [word for word in GIVEAWAYS if word in text]
    # And the counsellor is told how to behave if someone else answers.
    assert SOMEONE_ELSE[lang] in catalog.prompt(lang, "callback_screen").text
