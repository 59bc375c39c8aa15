"""Every TwiML document of the voice line is built here, from the prompt catalog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from hotline.ivr.prompts import GATHER_SECONDS, Prompt, PromptCatalog

# The languages the reserve line is announced in when nothing else is known.
FALLBACK_LANGUAGES = ("ky", "ru")
# How long the reserve line rings.
RESERVE_RING_SECONDS = 30
# Without hold music, a holding caller hears at most this much silence at a time.
HOLD_PAUSE_SECONDS = 3

AudioUrl = Callable[[str, str], str]  # (language, file name) -> URL the app serves it at


@dataclass(frozen=True, eq=False)  # one for each app: the documents below are cached by it
class Voice:
    """Speaks prompts of one catalog, with audio served at `audio_url`."""

    catalog: PromptCatalog
    audio_url: AudioUrl

    def speak(self, node: VoiceResponse | Gather, lang: str, key: str) -> None:
        """Add prompt `key` to `node` as <Play> (audio) or <Say> (a Twilio voice)."""
        self.add(node, lang, self.catalog.prompt(lang, key))

    def add(self, node: VoiceResponse | Gather, lang: str, prompt: Prompt) -> None:
        """Add an already resolved prompt."""
        if prompt.kind == "play" and prompt.audio_file:
            node.play(self.audio_url(lang, prompt.audio_file))
        else:
            node.say(prompt.text, voice=prompt.voice, language=prompt.say_language)


def gather(action: str, *, digits: int = 1) -> Gather:
    """A DTMF-only Gather that posts even an empty result, so silence is ours to handle."""
    return Gather(
        input="dtmf",
        num_digits=digits,
        timeout=GATHER_SECONDS,
        action=action,
        method="POST",
        action_on_empty_result=True,
    )


# The menus, a turn on hold, the goodbyes and the step to the next URL are the same documents
# call after call: each is built once (for each voice, languages and action), as building one
# with the twilio library cost a tenth to a fifth of the webhook's CPU.
_BUILT_AT_MOST = 512


def language_menu(
    voice: Voice, welcome_lang: str, order: Sequence[str], action: str, invalid: bool = False
) -> str:
    """Welcome in the line's language (or "not in the menu"), then each language in its own."""
    return _language_menu(voice, welcome_lang, tuple(order), action, invalid)


@lru_cache(maxsize=_BUILT_AT_MOST)
def _language_menu(
    voice: Voice, welcome_lang: str, order: tuple[str, ...], action: str, invalid: bool
) -> str:
    response = VoiceResponse()
    menu = gather(action)
    voice.speak(menu, welcome_lang, "invalid_choice" if invalid else "welcome")
    for lang in order:
        voice.speak(menu, lang, "language_option")
    response.append(menu)
    return str(response)


def menu(
    voice: Voice,
    lang: str,
    keys: Sequence[str],
    action: str,
    digits: int = 1,
    invalid: bool = False,
) -> str:
    """Prompts `keys` inside one Gather posting to `action`; after a wrong key, "not in the
    menu" first."""
    return _menu(voice, lang, tuple(keys), action, digits, invalid)


@lru_cache(maxsize=_BUILT_AT_MOST)
def _menu(
    voice: Voice, lang: str, keys: tuple[str, ...], action: str, digits: int, invalid: bool
) -> str:
    response = VoiceResponse()
    node = gather(action, digits=digits)
    for key in ["invalid_choice", *keys] if invalid else keys:
        voice.speak(node, lang, key)
    response.append(node)
    return str(response)


def main_menu(voice: Voice, lang: str, action: str, invalid: bool = False) -> str:
    """The main menu, the counsellor named first; after a wrong key, "not in the menu" first."""
    return menu(voice, lang, ["main_menu", "main_menu_more"], action, invalid=invalid)


def say_and_hang_up(voice: Voice, lang: str, keys: Sequence[str]) -> str:
    """Prompts, then the end of the call (or of a counsellor's leg)."""
    return _say_and_hang_up(voice, tuple((lang, key) for key in keys))


def say_and_hang_up_in(voice: Voice, langs: Sequence[str], key: str) -> str:
    """One prompt in several languages (nobody knows which one the listener speaks), then away."""
    return _say_and_hang_up(voice, tuple((lang, key) for lang in langs))


@lru_cache(maxsize=_BUILT_AT_MOST)
def _say_and_hang_up(voice: Voice, spoken: tuple[tuple[str, str], ...]) -> str:
    response = VoiceResponse()
    for lang, key in spoken:
        voice.speak(response, lang, key)
    response.hangup()
    return str(response)


def say_and_go(voice: Voice, lang: str, keys: Sequence[str], url: str) -> str:
    """Prompts, then on to the next step at `url` (back to a menu)."""
    response = VoiceResponse()
    for key in keys:
        voice.speak(response, lang, key)
    response.redirect(url, method="POST")
    return str(response)


@lru_cache(maxsize=_BUILT_AT_MOST)
def go(url: str) -> str:
    """Go on at `url` (the next step of the call)."""
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return str(response)


@lru_cache(maxsize=1)
def hang_up() -> str:
    """End this leg without a word (a counsellor's leg that is over, a caller's phone)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


@lru_cache(maxsize=_BUILT_AT_MOST)
def bridge(voice: Voice | None = None, lang: str = "", key: str = "") -> str:
    """End the leg's document (after an optional prompt): Twilio then bridges the two sides."""
    response = VoiceResponse()
    if voice is not None and key:
        voice.speak(response, lang, key)
    return str(response)


@dataclass(frozen=True)
class CounsellorLeg:
    """One counsellor to ring: their number and the screen URL their leg runs."""

    number: str
    screen_url: str


@dataclass(frozen=True)
class Ringing:
    """How the counsellors' phones ring: ring time, the call's time limit, the dial action."""

    timeout: int
    time_limit: int
    action: str


def ring_counsellors(
    voice: Voice,
    lang: str,
    prompt_key: str,
    legs: Sequence[CounsellorLeg],
    caller_id: str,
    ringing: Ringing,
) -> str:
    """A prompt, then one <Dial> ringing the counsellors; the line's number as caller ID."""
    before, after = _ring_frame(voice, lang, prompt_key, caller_id, ringing)
    return before + "".join(_number(leg) for leg in legs) + after


def _number(leg: CounsellorLeg) -> str:
    """A leg's <Number> as twilio's `Number` writes it (`to_xml`; tests hold the two alike),
    written here: twilio's took 20 us for every leg of every offer."""
    url = escape(leg.screen_url, _IN_ATTRIBUTE)
    return f'<Number method="POST" url="{url}">{escape(leg.number)}</Number>'


# What ElementTree escapes in an attribute's value besides &, < and >.
_IN_ATTRIBUTE = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


_NUMBERS_GO_HERE = "<Number>+0</Number>"


@lru_cache(maxsize=_BUILT_AT_MOST)
def _ring_frame(
    voice: Voice, lang: str, prompt_key: str, caller_id: str, ringing: Ringing
) -> tuple[str, str]:
    """The ringing document before and after its <Number>s: the same for every offer on a line
    but for the numbers and their screens' URLs, so only those are built each time (the whole
    document cost 70 us, a <Number> 20 us)."""
    response = VoiceResponse()
    voice.speak(response, lang, prompt_key)
    dial = Dial(
        caller_id=caller_id,
        answer_on_bridge=True,  # the caller keeps hearing ringing, not silence, until bridged
        record="do-not-record",
        timeout=ringing.timeout,
        time_limit=ringing.time_limit,
        action=ringing.action,
        method="POST",
    )
    dial.number("+0")
    response.append(dial)
    before, after = str(response).split(_NUMBERS_GO_HERE)
    return before, after


def hold(voice: Voice, lang: str, keys: Sequence[str], music: str | None, then: str) -> str:
    """A holding caller: prompts, then music (or a short pause), then ask again at `then`."""
    return _hold(voice, lang, tuple(keys), music, then)


@lru_cache(maxsize=_BUILT_AT_MOST)
def _hold(voice: Voice, lang: str, keys: tuple[str, ...], music: str | None, then: str) -> str:
    response = VoiceResponse()
    for key in keys:
        voice.speak(response, lang, key)
    if music is not None:
        response.play(music)
    else:
        response.pause(length=HOLD_PAUSE_SECONDS)
    response.redirect(then, method="POST")
    return str(response)


def screen(voice: Voice, lang: str, caller_lang: str, action: str, invalid: bool = False) -> str:
    """The counsellor's leg, in `lang`: which language the caller chose, "press 1"."""
    return menu(voice, lang, [f"screen_offer_{caller_lang}"], action, invalid=invalid)


def centres(
    voice: Voice, lang: str, entries: Sequence[Prompt], offer_sms: bool, action: str, then: str
) -> str:
    """The centres near the caller read out, the SMS offer (press 1), then back to `then`."""
    response = VoiceResponse()
    node = gather(action)
    voice.speak(node, lang, "centres_intro")
    for entry in entries:
        voice.add(node, lang, entry)
    if offer_sms:
        voice.speak(node, lang, "centres_sms_offer")
    response.append(node)
    response.redirect(then, method="POST")
    return str(response)


def callback_screen(
    voice: Voice, lang: str, asked_at: str, action: str, invalid: bool = False
) -> str:
    """A callback's counsellor: the language, when it was asked (digits, read by a voice)."""
    response = VoiceResponse()
    node = gather(action)
    if invalid:
        voice.speak(node, lang, "invalid_choice")
    voice.speak(node, lang, "callback_asked_at")
    node.say(asked_at, language="ru-RU")
    voice.speak(node, lang, "callback_screen")
    response.append(node)
    return str(response)


def dial_caller(number: str, caller_id: str, timeout: int, action: str, screen_url: str) -> str:
    """A callback's counsellor accepted: dial the caller from the line, their leg screened."""
    response = VoiceResponse()
    dial = Dial(
        caller_id=caller_id,
        answer_on_bridge=True,
        record="do-not-record",
        timeout=timeout,
        method="POST",
        action=action,
    )
    dial.number(number, url=screen_url)
    response.append(dial)
    return str(response)


def reserve_line(
    voice: Voice, langs: Sequence[str], reserve_number: str | None, caller_id: str | None
) -> str:
    """Last resort: the reserve line, or (without one) the emergency numbers read out."""
    response = VoiceResponse()
    if reserve_number:
        for lang in langs:
            voice.speak(response, lang, "reserve_connecting")
        dial = Dial(caller_id=caller_id, timeout=RESERVE_RING_SECONDS, record="do-not-record")
        dial.number(reserve_number)
        response.append(dial)
    for lang in langs:
        voice.speak(response, lang, "emergency_numbers")
    response.hangup()
    return str(response)


def reserve_line_in_plain_words(reserve_number: str | None, caller_id: str | None) -> str:
    """The reserve line when the prompt catalog itself is unusable: a few fixed Russian words."""
    response = VoiceResponse()
    response.say("Пожалуйста, подождите.", language="ru-RU")
    if reserve_number:
        dial = Dial(caller_id=caller_id, timeout=RESERVE_RING_SECONDS)
        dial.number(reserve_number)
        response.append(dial)
    response.say("Полиция: 102. Скорая помощь: 103.", language="ru-RU")
    return str(response)
