"""Parse the TwiML an app returns into verbs, refusing what Twilio would refuse."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

# Twilio's error codes for a document it cannot use (https://www.twilio.com/docs/api/errors).
PARSE_FAILURE = 12100
TOO_LARGE = 11750
MAX_DOCUMENT_BYTES = 64 * 1024


class TwimlError(ValueError):
    """A document Twilio would not run; `code` is Twilio's error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Say:
    """`<Say>`: text read out by a voice."""

    text: str
    voice: str = ""
    language: str = ""
    loop: int = 1


@dataclass(frozen=True)
class Play:
    """`<Play>`: an audio file (never fetched by the emulator)."""

    url: str
    loop: int = 1


@dataclass(frozen=True)
class Pause:
    """`<Pause>`: silence."""

    length: int = 1


Prompt = Say | Play | Pause


@dataclass(frozen=True)
class Gather:
    """`<Gather>`: collect DTMF keys, with Twilio's defaults."""

    action: str | None = None
    method: str = "POST"
    num_digits: int | None = None
    timeout: int = 5
    finish_on_key: str = "#"
    action_on_empty_result: bool = False
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True)
class Number:
    """`<Number>` inside `<Dial>`; `url` is the screening TwiML run on the called leg."""

    number: str
    url: str | None = None
    method: str = "POST"
    status_callback: str | None = None
    status_callback_event: tuple[str, ...] = ("completed",)


@dataclass(frozen=True)
class Dial:
    """`<Dial>`: ring one or more numbers at once; the first to accept is connected."""

    numbers: tuple[Number, ...]
    action: str | None = None
    method: str = "POST"
    timeout: int = 30
    caller_id: str | None = None
    answer_on_bridge: bool = False
    record: str = "do-not-record"
    time_limit: int = 14400


@dataclass(frozen=True)
class Redirect:
    """`<Redirect>`: fetch the next document from `url`."""

    url: str
    method: str = "POST"


@dataclass(frozen=True)
class Hangup:
    """`<Hangup>`: end the call."""


@dataclass(frozen=True)
class Reject:
    """`<Reject>`: refuse an unanswered call (status busy or no-answer)."""

    reason: str = "rejected"


@dataclass(frozen=True)
class Message:
    """`<Message>` in messaging TwiML: an SMS reply."""

    body: str
    to: str | None = None
    from_: str | None = None
    status_callback: str | None = None


Verb = Say | Play | Pause | Gather | Dial | Redirect | Hangup | Reject


def parse_voice(document: str) -> list[Verb]:
    """The verbs of a voice `<Response>`, in order."""
    return [_voice_verb(element) for element in _response(document)]


def parse_messaging(document: str) -> list[Message | Redirect]:
    """The `<Message>` and `<Redirect>` verbs of a messaging `<Response>`."""
    verbs: list[Message | Redirect] = []
    for element in _response(document):
        if element.tag == "Message":
            body = element.find("Body")
            # An SMS keeps its line breaks and spaces (a voice <Say> does not need them).
            text = "".join((body if body is not None else element).itertext()).strip()
            verbs.append(
                Message(
                    body=text,
                    to=element.get("to"),
                    from_=element.get("from"),
                    status_callback=element.get("statusCallback") or element.get("action"),
                )
            )
        elif element.tag == "Redirect":
            verbs.append(_redirect(element))
        else:
            raise TwimlError(PARSE_FAILURE, f"<{element.tag}> is not a messaging verb")
    return verbs


def _response(document: str) -> ElementTree.Element:
    if len(document.encode()) > MAX_DOCUMENT_BYTES:
        raise TwimlError(TOO_LARGE, "TwiML response body too large (over 64 kB)")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as exc:
        raise TwimlError(PARSE_FAILURE, f"document parse failure: {exc}") from None
    if root.tag != "Response":
        raise TwimlError(PARSE_FAILURE, f"root element is <{root.tag}>, not <Response>")
    return root


def _voice_verb(element: ElementTree.Element) -> Verb:
    tag = element.tag
    if tag in ("Say", "Play", "Pause"):
        return _prompt(element)
    if tag == "Gather":
        return _gather(element)
    if tag == "Dial":
        return _dial(element)
    if tag == "Redirect":
        return _redirect(element)
    if tag == "Hangup":
        return Hangup()
    if tag == "Reject":
        return Reject(reason=element.get("reason", "rejected"))
    raise TwimlError(PARSE_FAILURE, f"<{tag}> is not a voice verb the emulator knows")


def _prompt(element: ElementTree.Element) -> Prompt:
    if element.tag == "Say":
        return Say(
            text=_text(element),
            voice=element.get("voice", ""),
            language=element.get("language", ""),
            loop=_integer(element, "loop", 1),
        )
    if element.tag == "Play":
        url = _text(element)
        if not url:
            raise TwimlError(PARSE_FAILURE, "<Play> has no URL")
        return Play(url=url, loop=_integer(element, "loop", 1))
    if element.tag == "Pause":
        return Pause(length=_integer(element, "length", 1))
    raise TwimlError(PARSE_FAILURE, f"<{element.tag}> cannot be nested in <Gather>")


def _gather(element: ElementTree.Element) -> Gather:
    num_digits = element.get("numDigits")
    return Gather(
        action=element.get("action"),
        method=_method(element),
        num_digits=_integer(element, "numDigits", 1) if num_digits is not None else None,
        timeout=_integer(element, "timeout", 5),
        finish_on_key=element.get("finishOnKey", "#"),
        action_on_empty_result=element.get("actionOnEmptyResult", "false") == "true",
        prompts=tuple(_prompt(child) for child in element),
    )


def _dial(element: ElementTree.Element) -> Dial:
    numbers = [_number(child) for child in element]
    bare = (element.text or "").strip()
    if bare:
        numbers.insert(0, Number(number=bare))
    if not numbers:
        raise TwimlError(PARSE_FAILURE, "<Dial> has no number to call")
    return Dial(
        numbers=tuple(numbers),
        action=element.get("action"),
        method=_method(element),
        timeout=_integer(element, "timeout", 30),
        caller_id=element.get("callerId"),
        answer_on_bridge=element.get("answerOnBridge", "false") == "true",
        record=element.get("record", "do-not-record"),
        time_limit=_integer(element, "timeLimit", 14400),
    )


def _number(element: ElementTree.Element) -> Number:
    if element.tag != "Number":
        raise TwimlError(PARSE_FAILURE, f"<Dial><{element.tag}> is not supported by the emulator")
    events = element.get("statusCallbackEvent", "completed").replace(",", " ").split()
    return Number(
        number=_text(element),
        url=element.get("url"),
        method=_method(element),
        status_callback=element.get("statusCallback"),
        status_callback_event=tuple(events),
    )


def _redirect(element: ElementTree.Element) -> Redirect:
    url = _text(element)
    if not url:
        raise TwimlError(PARSE_FAILURE, "<Redirect> has no URL")
    return Redirect(url=url, method=_method(element))


def _text(element: ElementTree.Element) -> str:
    # itertext keeps the words inside SSML tags such as <prosody> or <lang>.
    return " ".join("".join(element.itertext()).split())


def _method(element: ElementTree.Element) -> str:
    method = element.get("method", "POST").upper()
    if method not in ("GET", "POST"):
        raise TwimlError(PARSE_FAILURE, f"<{element.tag}> method must be GET or POST")
    return method


def _integer(element: ElementTree.Element, name: str, default: int) -> int:
    raw = element.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise TwimlError(PARSE_FAILURE, f"<{element.tag} {name}> is not a number") from None
    if value < 0:
        raise TwimlError(PARSE_FAILURE, f"<{element.tag} {name}> is negative")
    return value
