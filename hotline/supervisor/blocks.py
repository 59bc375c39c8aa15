"""The blocklist: blocks in force and ended ones; block from a call or message, lift."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import audit, blocklist
from hotline.db import get_session
from hotline.extensions import now
from hotline.supervisor.access import note, signed_in_user
from hotline.supervisor.forms import ActionForm, BlockForm

bp = Blueprint("blocks", __name__)


@bp.get("/blocks")
def index() -> ResponseReturnValue:
    """Blocks in force, then the last ended ones."""
    session = get_session()
    return render_template(
        "supervisor/blocks.html",
        in_force=blocklist.list_blocks(session, now(), in_force=True),
        ended=blocklist.list_blocks(session, now(), in_force=False),
        lift_form=ActionForm(),
        now=now(),
    )


@bp.post("/blocks")
def add() -> ResponseReturnValue:
    """Block the caller of the call or message named in the form (never their pseudonym)."""
    form = BlockForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(_("A block needs a reason."), "error")
        return redirect(url_for("supervisor.blocks.index"))
    try:
        block = blocklist.block_caller(
            session,
            form.source.data or "",
            form.reason.data or "",
            blocklist.BlockLength(form.length.data),
            signed_in_user().id,
            now(),
        )
    except (blocklist.BlockError, ValueError):
        flash(_("This caller cannot be blocked: their number was hidden."), "error")
        return redirect(url_for("supervisor.blocks.index"))
    session.flush()
    note(audit.Action.BLOCK, target=f"block {block.id}", detail=f"from {block.source}")
    session.commit()
    flash(_("The caller is blocked."), "info")
    return redirect(url_for("supervisor.blocks.index"))


@bp.post("/blocks/<int:block_id>/lift")
def lift(block_id: int) -> ResponseReturnValue:
    """End a block now."""
    session = get_session()
    try:
        blocklist.lift_block(session, block_id, now())
    except blocklist.BlockError:
        flash(_("That block is not in force."), "error")
        return redirect(url_for("supervisor.blocks.index"))
    note(audit.Action.UNBLOCK, target=f"block {block_id}")
    session.commit()
    flash(_("The block is lifted."), "info")
    return redirect(url_for("supervisor.blocks.index"))
