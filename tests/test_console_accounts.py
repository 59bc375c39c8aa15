"""Console accounts by the CLI and by admins, and the audit trail that records every change
in a hash chain `hotline audit verify` checks."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, AuditHead, User
from tests.console_support import ADMIN, SUPERVISOR, Console

NEW = "Leila@Example.org "
PASSWORD = "a long enough password"


def test_user_add_list_disable_reset_from_the_cli(runner: FlaskCliRunner, session: Session) -> None:
    added = runner.invoke(
        args=["user", "add", NEW, "--role", "admin", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.output == (
        "admin leila@example.org added (they set up the second factor at first sign-in)\n"
    )
    user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    short = runner.invoke(args=["user", "add", "x@example.org", "--role", "supervisor",
                                "--password-stdin"], input="short\n")  # fmt: skip
    assert short.output == "Error: a password must be 12 to 128 characters long\n"
    again = runner.invoke(args=["user", "add", "leila@example.org", "--role", "supervisor",
                                "--password-stdin"], input=PASSWORD + "\n")  # fmt: skip
    assert again.output == "Error: an account with that email exists already\n"
    prompted = runner.invoke(
        args=["user", "add", "aida@example.org", "--role", "supervisor"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert prompted.exit_code == 0, prompted.output
    listing = runner.invoke(args=["user", "list"]).output.splitlines()
    assert listing == [
        "leila@example.org  admin  active  no-totp  last:never",
        "aida@example.org  supervisor  active  no-totp  last:never",
    ]
    assert runner.invoke(args=["user", "disable", "aida@example.org"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["user", "list"]).output
    reset = runner.invoke(args=["user", "reset", "aida@example.org", "--password-stdin",
                                "--second-factor"], input="another long password\n")  # fmt: skip
    assert reset.output == "aida@example.org: new password, no second factor\n"
    assert "aida@example.org  supervisor  active" in runner.invoke(args=["user", "list"]).output
    missing = runner.invoke(args=["user", "disable", "nobody@example.org"])
    assert missing.output == "Error: no account with that email\n"


def test_an_admin_adds_an_account_whose_one_time_password_must_be_changed(
    app: Flask, as_admin: Console, session: Session
) -> None:
    page = as_admin.post("/supervisor/users", {"email": "aida@example.org", "role": "supervisor"})
    password = re.search(r'<code class="big">([^<]+)</code>', page.get_data(as_text=True))
    assert password is not None
    as_admin.post("/supervisor/logout", {}, page="/supervisor/")
    assert as_admin.log_in("aida@example.org", password.group(1)).status_code == 302
    assert as_admin.get("/supervisor/calls").headers["Location"] == "/supervisor/account/password"
    changed = as_admin.post(
        "/supervisor/account/password", {"current": password.group(1), "new": PASSWORD}
    )
    assert changed.headers["Location"] == "/supervisor/"
    assert as_admin.get("/supervisor/calls").status_code == 200
    assert as_admin.get("/supervisor/users").status_code == 403


def test_disabling_an_account_ends_its_sessions(app: Flask, console: Console) -> None:
    other = Console(app.test_client(), console.clock)
    other.log_in(SUPERVISOR)
    console.log_in(ADMIN)
    with app.app_context():
        from hotline.db import get_session

        supervisor = get_session().scalars(select(User).where(User.username == SUPERVISOR)).one()
    console.post(f"/supervisor/users/{supervisor.id}/active", {}, page="/supervisor/users")
    assert other.get("/supervisor/").status_code == 302
    assert other.log_in(SUPERVISOR).status_code == 401


def test_audit_verify_finds_an_edit_a_deletion_and_the_newest_removed(
    runner: FlaskCliRunner, as_admin: Console, session: Session
) -> None:
    for page in ("/supervisor/calls", "/supervisor/messages", "/supervisor/callbacks"):
        as_admin.get(page)
    runner.invoke(args=["user", "disable", SUPERVISOR])
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0
    assert intact.output.startswith("audit trail intact: 5 entries, newest hash ")
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == [
        "login", "view-calls", "view-messages", "view-callbacks", "user-active",
    ]  # fmt: skip
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]

    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone"))
    session.commit()
    edited = runner.invoke(args=["audit", "verify"])
    assert (edited.exit_code, edited.output) == (1, "broken: entry 2 was changed\n")
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor=ADMIN))
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    session.commit()
    deleted = runner.invoke(args=["audit", "verify"])
    assert deleted.output == "broken: entries 3 to 3 were deleted\n"


def test_audit_verify_finds_the_newest_entries_deleted(
    runner: FlaskCliRunner, as_admin: Console, session: Session
) -> None:
    as_admin.get("/supervisor/calls")
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    session.commit()
    truncated = runner.invoke(args=["audit", "verify"])
    assert truncated.output == "broken: the newest entries were deleted: the head says 2\n"
    session.execute(delete(AuditHead))
    session.commit()
    headless = runner.invoke(args=["audit", "verify"])
    assert headless.output == "broken: the head is missing\n"


def test_the_audit_page_is_for_admins_and_filters(as_admin: Console) -> None:
    as_admin.get("/supervisor/calls?language=ky")
    page = as_admin.get("/supervisor/audit?action=view-calls").get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == 1 and "language=ky" in page


def test_make_run_makes_a_demo_admin_once_in_development(
    runner: FlaskCliRunner, app: Flask, session: Session
) -> None:
    first = runner.invoke(args=["demo", "admin"])
    password = re.search(r"one-time password (\S+)", first.output)
    assert first.exit_code == 0 and password is not None
    admin = session.scalars(select(User)).one()
    assert (admin.username, admin.role.value, admin.must_change_password) == (
        "admin@example.org", "admin", True,
    )  # fmt: skip
    assert password.group(1) not in admin.password_hash
    again = runner.invoke(args=["demo", "admin"])
    assert again.output == "console accounts exist already: no demo admin added\n"
    banner = runner.invoke(args=["demo", "banner"]).output
    assert "hotline user add you@example.org --role admin" in banner
