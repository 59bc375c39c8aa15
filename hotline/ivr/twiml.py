"""Every TwiML document of the voice line is built here, from the prompt catalog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from hotline.ivr.prompt_catalog import Prompt, PromptCatalog

# How long a caller has to press a key; Twilio's default is 5 s, generous enough on a keypad.
GATHER_SECONDS = 6
# The counsellor's screen waits this long for "1"; voicemail never presses it.
SCREEN_SECONDS = 8
# The languages Twilio may use to fall back with when nothing else is known.
FALLBACK_LANGUAGES = ("ky", "ru")

AudioUrl = Callable[[str, str], str]  # (language, file name) -> URL the app serves it at


@dataclass(frozen=True)
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


def language_menu(voice: Voice, welcome_lang: str, order: Sequence[str], action: str) -> str:
    """Welcome in the line's language, then each language offered in its own language."""
    response = VoiceResponse()
    menu = gather(action)
    voice.speak(menu, welcome_lang, "welcome")
    for lang in order:
        voice.speak(menu, lang, "language_option")
    response.append(menu)
    return str(response)


def menu(voice: Voice, lang: str, keys: Sequence[str], action: str, digits: int = 1) -> str:
    """Prompts `keys` inside one Gather posting to `action`."""
    response = VoiceResponse()
    node = gather(action, digits=digits)
    for key in keys:
        voice.speak(node, lang, key)
    response.append(node)
    return str(response)


def say_then(voice: Voice, lang: str, keys: Sequence[str], redirect: str | None = None) -> str:
    """Prompts, then a redirect (back to a menu) or a hangup."""
    response = VoiceResponse()
    for key in keys:
        voice.speak(response, lang, key)
    if redirect:
        response.redirect(redirect, method="POST")
    else:
        response.hangup()
    return str(response)


def redirect(url: str) -> str:
    """Go on at `url` (the next step of the call)."""
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return str(response)


@dataclass(frozen=True)
class CounsellorLeg:
    """One counsellor to ring: their number and the screen URL their leg runs."""

    number: str
    screen_url: str


def ring_counsellors(
    voice: Voice,
    lang: str,
    prompt_key: str,
    legs: Sequence[CounsellorLeg],
    caller_id: str,
    timeout: int,
    action: str,
) -> str:
    """Hold prompt, then one <Dial> ringing the counsellors; the line's number as caller ID."""
    response = VoiceResponse()
    voice.speak(response, lang, prompt_key)
    dial = Dial(
        caller_id=caller_id,
        answer_on_bridge=True,  # the caller keeps hearing ringing, not silence, until bridged
        record="do-not-record",
        timeout=timeout,
        action=action,
        method="POST",
    )
    for leg in legs:
        dial.number(leg.number, url=leg.screen_url, method="POST")
    response.append(dial)
    return str(response)


def screen(voice: Voice, lang: str, action: str) -> str:
    """The counsellor's leg: the caller's language and "press 1"; no key -> hang up."""
    response = VoiceResponse()
    node = gather(action)
    voice.speak(node, lang, "screen_offer")
    response.append(node)
    return str(response)


def connect_backup(
    voice: Voice, langs: Sequence[str], backup_number: str | None, caller_id: str | None
) -> str:
    """Last resort: the reserve line, or (without one) the emergency numbers read out."""
    response = VoiceResponse()
    if backup_number:
        for lang in langs:
            voice.speak(response, lang, "backup_connecting")
        dial = Dial(caller_id=caller_id, timeout=30, record="do-not-record")
        dial.number(backup_number)
        response.append(dial)
    for lang in langs:
        voice.speak(response, lang, "emergency_numbers")
    response.hangup()
    return str(response)
