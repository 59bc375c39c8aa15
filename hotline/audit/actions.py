"""What the audit trail records: every login, look at the log, export and change."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """An audited action, stored by value."""

    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOGOUT = "logout"
    VIEW_CALLS = "view-calls"
    VIEW_CALL = "view-call"
    EXPORT_CALLS = "export-calls"
    VIEW_MESSAGES = "view-messages"
    VIEW_CALLBACKS = "view-callbacks"
    VIEW_AUDIT = "view-audit"
    BLOCK = "block"
    UNBLOCK = "unblock"
    COUNSELLOR_ADD = "counsellor-add"
    COUNSELLOR_EDIT = "counsellor-edit"
    COUNSELLOR_ACTIVE = "counsellor-active"
    SHIFT_ADD = "shift-add"
    SHIFT_REMOVE = "shift-remove"
    LINE_EDIT = "line-edit"
    USER_ADD = "user-add"
    USER_ACTIVE = "user-active"
    USER_RESET = "user-reset"
    OWN_PASSWORD = "own-password"
    OWN_SECOND_FACTOR = "own-second-factor"
    OWN_PHONE = "own-phone"
    VIEW_REPORT = "view-report"
    EXPORT_REPORT = "export-report"
    PURGE = "purge"
