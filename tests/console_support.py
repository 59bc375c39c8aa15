"""The supervisor console in tests: accounts arranged once, a browser-like client over https.

`Console` is a test client that sends what a browser sends over https (the Referer of the
page a form is on) and fills each form's CSRF token from the page, as a person's browser does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline.accounts import passwords, second_factor
from hotline.db import session_scope
from hotline.models import Role, User
from hotline.simulator import SimClock
from tests.conftest import CHEAP_HASHER, PUBLIC_URL

ADMIN = "admin@example.org"
SUPERVISOR = "supervisor@example.org"
PASSWORD = "correct horse battery"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_CODES = ["abcd-efgh", "jkmn-pqrs"]
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@cache
def password_hash(password: str) -> str:
    """One argon2id hash per password for the whole run (each takes a quarter second)."""
    return passwords.hash_password(CHEAP_HASHER, password)


def add_account(app: Flask, email: str, role: Role, *, totp: bool) -> None:
    """An account with PASSWORD and, when `totp`, TOTP_SECRET and two recovery codes."""
    box = second_factor.SecretBox(app.config["HOTLINE_ENCRYPTION_KEY"])
    with session_scope(app) as session:
        session.add(
            User(
                username=email,
                role=role,
                password_hash=password_hash(PASSWORD),
                totp_secret_sealed=box.seal(TOTP_SECRET) if totp else None,
                recovery_codes=[second_factor.recovery_hash(c) for c in RECOVERY_CODES]
                if totp
                else [],
            )
        )


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Console:
    """A browser on the console: https, same-origin Referer, tokens taken from the pages."""

    client: FlaskClient
    clock: SimClock

    def get(self, path: str, **kwargs: object) -> TestResponse:
        """GET a console page."""
        headers = {"Accept-Language": "en", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.get(path, base_url=PUBLIC_URL, headers=headers, **kwargs)  # type: ignore[arg-type]

    def post(
        self, path: str, data: dict[str, str | list[str]], page: str | None = None
    ) -> TestResponse:
        """POST a form found on `page` (default: `path`), with that page's token and Referer."""
        shown = page or path
        token = csrf_token(self.get(shown).get_data(as_text=True))
        return self.client.post(
            path,
            data={"csrf_token": token, **data},
            base_url=PUBLIC_URL,
            headers={"Referer": PUBLIC_URL + shown, "Accept-Language": "en"},
        )

    def log_in(self, email: str, password: str = PASSWORD, code: str | None = None) -> TestResponse:
        """Sign in; an account with a second factor gets the code of the clock's time."""
        if code is None:
            code = second_factor.code_at(TOTP_SECRET, self.clock.now()) if email == ADMIN else ""
        return self.post("/supervisor/login", {"email": email, "password": password, "code": code})


@pytest.fixture
def console(app: Flask, clock: SimClock) -> Console:
    """A browser on the console of the test app, with an admin (TOTP) and a supervisor."""
    add_account(app, ADMIN, Role.ADMIN, totp=True)
    add_account(app, SUPERVISOR, Role.SUPERVISOR, totp=False)
    return Console(app.test_client(), clock)


@pytest.fixture
def as_admin(console: Console) -> Iterator[Console]:
    """The console, signed in as the admin."""
    assert console.log_in(ADMIN).status_code == 302
    yield console


@pytest.fixture
def as_supervisor(console: Console) -> Iterator[Console]:
    """The console, signed in as the supervisor."""
    assert console.log_in(SUPERVISOR).status_code == 302
    yield console
