"""SMS: messages the app receives (send_sms) and sends (REST, `<Message>` replies)."""

from __future__ import annotations

from urllib.parse import urljoin

from hotline.simulator.account import Account
from hotline.simulator.clock import new_sid
from hotline.simulator.errors import ApiError
from hotline.simulator.legs import HTTP_RETRIEVAL_FAILURE, TWIML_TYPES
from hotline.simulator.records import Behaviour, Line, Notification, SmsMessage
from hotline.simulator.status_feed import StatusFeed
from hotline.simulator.transports import WebhookResponse
from hotline.simulator.twiml import Message, Redirect, TwimlError, parse_messaging

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # two septets each
# Twilio's own opt-out handling (English keywords only), applied before the app sees them.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
UNDELIVERED = 30003
MAX_REDIRECTS = 10


def count_segments(body: str) -> int:
    """SMS parts for `body`: GSM-7 160/153 characters, anything else UCS-2 70/67."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def receive(emulator: Account, line: Line, from_: str, body: str) -> list[SmsMessage]:
    """Post an inbound SMS to the line's webhook; queue the app's `<Message>` replies."""
    message = SmsMessage(
        new_sid("SM"),
        emulator.account_sid,
        "inbound",
        from_,
        line.number,
        body,
        emulator.clock.now(),
        status="received",
        num_segments=count_segments(body),
    )
    emulator.register(message)
    keyword = body.strip().upper()
    if keyword in OPT_OUT_WORDS:
        emulator.opted_out.add(from_)
    elif keyword in OPT_IN_WORDS:
        emulator.opted_out.discard(from_)
    params = _inbound_params(message)
    url = emulator.webhooks.absolute(line.sms_url)
    replies: list[SmsMessage] = []
    for _ in range(MAX_REDIRECTS):
        verbs = _replies(emulator, emulator.webhooks.post(url, "POST", params), url)
        redirect = next((verb for verb in verbs if isinstance(verb, Redirect)), None)
        for verb in verbs[: verbs.index(redirect) if redirect else len(verbs)]:
            assert isinstance(verb, Message)
            reply = _reply(emulator, line, from_, verb, url)
            if reply is not None:
                replies.append(reply)
        if redirect is None:
            return replies
        url = urljoin(url, redirect.url)
    emulator.notifications.append(Notification(0, "SMS webhook redirects without end", url))
    return replies


def _inbound_params(message: SmsMessage) -> dict[str, str]:
    """What Twilio posts to a number's SMS webhook."""
    return {
        "MessageSid": message.message_sid,
        "SmsSid": message.message_sid,
        "SmsMessageSid": message.message_sid,
        "AccountSid": message.account_sid,
        "From": message.from_,
        "To": message.to,
        "Body": message.body,
        "NumSegments": str(message.num_segments),
        "NumMedia": "0",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def _replies(emulator: Account, response: WebhookResponse, url: str) -> list[Message | Redirect]:
    try:
        if not 200 <= response.status < 300:
            raise TwimlError(HTTP_RETRIEVAL_FAILURE, f"app answered HTTP {response.status}")
        if not response.body.strip():
            return []  # an empty answer means: no reply
        if response.content_type not in TWIML_TYPES:
            raise TwimlError(12300, f"content type {response.content_type!r}")
        return parse_messaging(response.body)
    except TwimlError as problem:
        emulator.notifications.append(Notification(problem.code, problem.message, url))
        return []


def _reply(
    emulator: Account, line: Line, sender: str, verb: Message, url: str
) -> SmsMessage | None:
    callback = urljoin(url, verb.status_callback) if verb.status_callback else None
    try:
        return queue_message(
            emulator,
            verb.from_ or line.number,
            verb.to or sender,
            verb.body,
            callback,
            direction="outbound-reply",
        )
    except ApiError as problem:
        emulator.notifications.append(Notification(problem.code, problem.message, url))
        return None


def queue_message(
    emulator: Account,
    from_: str,
    to: str,
    body: str,
    status_callback: str | None,
    direction: str = "outbound-api",
) -> SmsMessage:
    """Accept an SMS to send (queued); run_pending delivers it and reports its status."""
    if not body:
        raise ApiError(400, 21602, "Message body is required.")
    if emulator.lines and from_ not in emulator.lines:
        raise ApiError(400, 21606, "The From phone number is not an SMS-capable number of yours")
    if to in emulator.opted_out:
        raise ApiError(400, 21610, "Attempt to send to unsubscribed recipient")
    line = emulator.lines.get(from_)
    callback = status_callback or (line.sms_status_callback if line else None)
    message = SmsMessage(
        new_sid("SM"),
        emulator.account_sid,
        direction,
        from_,
        to,
        body,
        emulator.clock.now(),
        num_segments=count_segments(body),
        status_callback=callback,
    )
    emulator.register(message)
    emulator.queue(lambda: _deliver(emulator, message))
    if emulator.on_message is not None:
        emulator.on_message(message)
    return message


def _deliver(emulator: Account, message: SmsMessage) -> None:
    url = emulator.webhooks.absolute(message.status_callback) if message.status_callback else None

    def post(target: str, method: str, params: dict[str, str]) -> WebhookResponse:
        return emulator.webhooks.post(target, method, params)

    feed = StatusFeed(
        post,
        emulator.clock,
        url,
        emulator.notifications,
        reverse=emulator.reverse_status_callbacks,
        duplicate=emulator.duplicate_status_callbacks,
    )
    failed = emulator.phone(message.to).behaviour is Behaviour.FAIL
    for status in ("queued", "sent", "undelivered" if failed else "delivered"):
        message.status = status
        message.updated = emulator.clock.now()
        if status == "sent":
            message.sent = message.updated
            emulator.clock.advance(1)
        if status == "undelivered":
            message.error_code = UNDELIVERED
        feed.send(_status_params(emulator, message))
    feed.close()


def _status_params(emulator: Account, message: SmsMessage) -> dict[str, str]:
    params = {
        "MessageSid": message.message_sid,
        "SmsSid": message.message_sid,
        "AccountSid": emulator.account_sid,
        "From": message.from_,
        "To": message.to,
        "MessageStatus": message.status,
        "SmsStatus": message.status,
        "ApiVersion": "2010-04-01",
    }
    if message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    return params


def redact(message: SmsMessage, body: str | None) -> SmsMessage:
    """`update(body="")`: blank the stored body of a finished message."""
    if body is None or body != "":
        raise ApiError(400, 30400, "Parameters are not valid: redaction needs an empty Body")
    if not message.final:
        # Twilio redacts post-flight records only; the code here is the emulator's choice.
        raise ApiError(409, 20009, "Cannot redact this message before it is complete")
    message.body = ""
    return message


def check_deletable(message: SmsMessage) -> None:
    """Twilio refuses to delete a message it is still sending (error 20009)."""
    if not message.final:
        raise ApiError(409, 20009, "Cannot delete this resource before it is complete")
