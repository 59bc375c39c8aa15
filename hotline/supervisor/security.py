"""The headers on every console response, the console's cookie, and the errors a console user
may see."""

from __future__ import annotations

from flask import Flask, Request, Response, render_template
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hotline.context import this_request

CONSOLE = "/supervisor"

# Nothing from another host, no frames, forms post only here; no inline script or style.
POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def protect(response: Response) -> Response:
    """Add the console's security headers; pages with data are never stored by a cache."""
    req = this_request()
    if not req.path.startswith(CONSOLE):  # every webhook's answer passes here
        return response
    headers = response.headers
    headers["Content-Security-Policy"] = POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: Flask-WTF refuses an https form posted without a Referer.
    headers["Referrer-Policy"] = "same-origin"
    if req.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if req.endpoint != "supervisor.static":
        headers["Cache-Control"] = "no-store"
    return response


def error_page(error: HTTPException) -> tuple[str, int]:
    """A console error as a plain page in the user's language."""
    code = error.code or 500
    return render_template(
        "supervisor/error.html", code=code, csrf=isinstance(error, CSRFError)
    ), code


class ConsoleCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, opened for the console only: a webhook never has one, and opening
    it (a serializer made, the cookie looked for) cost a menu step 2 to 5% of its CPU."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The console's cookie; elsewhere Flask's null session (reads nothing, refuses writes)."""
        if not request.path.startswith(CONSOLE):
            return None
        return super().open_session(app, request)
