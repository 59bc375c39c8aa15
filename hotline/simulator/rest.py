"""Twilio's REST API (Calls and Messages), in-process or behind the HTTP server."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

from hotline.simulator import outbound, sms
from hotline.simulator.account import Account
from hotline.simulator.clock import rfc2822
from hotline.simulator.errors import ApiError
from hotline.simulator.records import CallRecord, OutboundCall, SmsMessage

API_VERSION = "2010-04-01"
ROUTE = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>[^/]+)/(?P<kind>Calls|Messages)(?:/(?P<sid>[^/]+))?\.json$"
)
Form = Mapping[str, list[str]]


class RestApi:
    """Routes one REST request to the emulator; answers (HTTP status, JSON text)."""

    def __init__(self, emulator: Account) -> None:
        self.emulator = emulator

    def handle(
        self, method: str, path: str, form: Form, auth: tuple[str, str] | None
    ) -> tuple[int, str]:
        """Answer like api.twilio.com, errors included."""
        try:
            return self._route(method.upper(), path, form, auth)
        except ApiError as error:
            return error.status, json.dumps(_error_body(error))

    def _route(
        self, method: str, path: str, form: Form, auth: tuple[str, str] | None
    ) -> tuple[int, str]:
        emulator = self.emulator
        if auth != (emulator.account_sid, emulator.auth_token):
            raise ApiError(401, 20003, "Authenticate")
        match = ROUTE.match(path)
        if match is None or match["account"] != emulator.account_sid:
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        kind, sid = match["kind"], match["sid"]
        if sid is None and method == "POST":
            created = self._create_call(form) if kind == "Calls" else self._create_message(form)
            return 201, json.dumps(created)
        if sid is None and method == "GET":
            return 200, json.dumps(self._list(kind, path, form))
        if kind == "Calls":
            return self._call(method, path, sid, form)
        return self._message(method, path, sid, form)

    def _list(self, kind: str, path: str, query: Form) -> dict[str, Any]:
        """One page holding every match (filters: To, From, Status), newest first."""
        if kind == "Calls":
            records = [call_json(r) for r in list(self.emulator.calls.values())]
        else:
            records = [message_json(m) for m in list(self.emulator.messages.values())]
        wanted = {
            field: _one(query, name)
            for name, field in (("To", "to"), ("From", "from"), ("Status", "status"))
            if _one(query, name) is not None
        }
        found = [r for r in reversed(records) if all(r[k] == v for k, v in wanted.items())]
        return {
            kind.lower(): found,
            "uri": path,
            "first_page_uri": path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": len(found),
            "start": 0,
            "end": max(0, len(found) - 1),
        }

    def _create_call(self, form: Form) -> dict[str, Any]:
        to, from_ = _one(form, "To"), _one(form, "From")
        if not to:
            raise ApiError(400, 21201, "No 'To' number is specified")
        if not from_:
            raise ApiError(400, 21213, "No 'From' number is specified")
        spec = OutboundCall(
            url=_one(form, "Url"),
            method=(_one(form, "Method") or "POST").upper(),
            twiml=_one(form, "Twiml"),
            fallback_url=_one(form, "FallbackUrl"),
            status_callback=_one(form, "StatusCallback"),
            status_callback_events=_events(form),
            timeout=_number(form, "Timeout", 60),
            machine_detection=_one(form, "MachineDetection"),
        )
        fault = self.emulator.call_faults.popleft() if self.emulator.call_faults else None
        if fault is not None and not fault.taken:
            raise ApiError(fault.status, fault.code, "Calls.create refused (emulated fault)")
        placed = self.emulator.place_call(to, from_, spec)
        if fault is not None:
            raise ApiError(fault.status, fault.code, "Calls.create failed (emulated fault)")
        return call_json(placed)

    def _create_message(self, form: Form) -> dict[str, Any]:
        to = _one(form, "To")
        from_ = _one(form, "From")
        if not to:
            raise ApiError(400, 21604, "A 'To' phone number is required.")
        if not from_:
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        body = _one(form, "Body") or ""
        fault = self.emulator.message_faults.popleft() if self.emulator.message_faults else None
        if fault is not None and not fault.taken:
            raise ApiError(fault.status, fault.code, "Messages.create refused (emulated fault)")
        message = sms.queue_message(self.emulator, from_, to, body, _one(form, "StatusCallback"))
        if fault is not None:
            raise ApiError(fault.status, fault.code, "Messages.create failed (emulated fault)")
        return message_json(message)

    def _call(self, method: str, path: str, sid: str, form: Form) -> tuple[int, str]:
        record = self.emulator.calls.get(sid)
        if record is None or method not in ("GET", "POST"):
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        if method == "POST":
            if _one(form, "Twiml") is not None:
                raise ApiError(400, 20001, "The emulator updates calls with Url or Status only")
            method_param = (_one(form, "Method") or "POST").upper()
            outbound.update(
                self.emulator, record, _one(form, "Url"), method_param, _one(form, "Status")
            )
        return 200, json.dumps(call_json(record))

    def _message(self, method: str, path: str, sid: str, form: Form) -> tuple[int, str]:
        message = self.emulator.messages.get(sid)
        if message is None:
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        if method == "DELETE":
            sms.check_deletable(message)
            self.emulator.forget(sid)
            return 204, ""
        if method == "POST":
            sms.redact(message, _one(form, "Body"))
        return 200, json.dumps(message_json(message))


class EmulatorHttpClient(HttpClient):  # type: ignore[misc]
    """A `twilio.http.HttpClient` answering from the emulator: give it to `twilio.rest.Client`.

    Any host is accepted (only the path matters), so TWILIO_API_URL may point anywhere.
    """

    def __init__(self, api: RestApi) -> None:
        super().__init__(logging.getLogger(__name__), is_async=False, timeout=None)
        self.api = api

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Answer one request of twilio-python."""
        fields = params if method.upper() == "GET" else data  # GET filters travel in the query
        form = {name: _as_list(value) for name, value in (fields or {}).items()}
        status, text = self.api.handle(method, urlsplit(uri).path, form, auth)
        return Response(status, text, {"Content-Type": "application/json"})


def call_json(record: CallRecord) -> dict[str, Any]:
    """A Call resource as api.twilio.com returns it (the fields CallInstance reads)."""
    uri = f"/{API_VERSION}/Accounts/{record.account_sid}/Calls/{record.call_sid}.json"
    ended = record.status in ("completed", "busy", "no-answer", "failed", "canceled")
    return {
        "sid": record.call_sid,
        "account_sid": record.account_sid,
        "parent_call_sid": record.parent_call_sid,
        "to": record.to,
        "to_formatted": record.to,
        "from": record.from_,
        "from_formatted": record.from_,
        "status": record.status,
        "direction": record.direction,
        "answered_by": record.answered_by,
        "api_version": API_VERSION,
        "date_created": rfc2822(record.created),
        "date_updated": rfc2822(record.ended or record.created),
        "start_time": rfc2822(record.started) if record.started else None,
        "end_time": rfc2822(record.ended) if record.ended else None,
        "duration": str(record.duration) if ended else None,
        "price": None,
        "price_unit": "USD",
        "phone_number_sid": None,
        "forwarded_from": None,
        "caller_name": None,
        "group_sid": None,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": uri,
        "subresource_uris": {"notifications": uri.replace(".json", "/Notifications.json")},
    }


def message_json(message: SmsMessage) -> dict[str, Any]:
    """A Message resource as api.twilio.com returns it (the fields MessageInstance reads)."""
    account = message.account_sid
    uri = f"/{API_VERSION}/Accounts/{account}/Messages/{message.message_sid}.json"
    return {
        "sid": message.message_sid,
        "account_sid": account,
        "to": message.to,
        "from": message.from_,
        "body": message.body,
        "status": message.status,
        "direction": message.direction,
        "num_segments": str(message.num_segments),
        "num_media": "0",
        "messaging_service_sid": None,
        "api_version": API_VERSION,
        "date_created": rfc2822(message.created),
        "date_updated": rfc2822(message.updated or message.created),
        "date_sent": rfc2822(message.sent) if message.sent else None,
        "error_code": message.error_code,
        "error_message": None,
        "price": None,
        "price_unit": "USD",
        "uri": uri,
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
    }


def _error_body(error: ApiError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.status,
    }


def _one(form: Form, name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _number(form: Form, name: str, default: int) -> int:
    raw = _one(form, name)
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ApiError(400, 21217, f"{name} must be a whole number of seconds") from None


def _events(form: Form) -> tuple[str, ...]:
    events = [e for value in form.get("StatusCallbackEvent", []) for e in value.split()]
    return tuple(events) or ("completed",)


def _as_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]
