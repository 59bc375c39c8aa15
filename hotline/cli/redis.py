"""`hotline redis`: the laptop's embedded Redis in the foreground (a process of `make run`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hotline.embedded_redis import EmbeddedRedisError, serve, url


@click.command("redis")
@click.option(
    "--instance",
    default=lambda: os.environ.get("HOTLINE_INSTANCE_PATH", "instance"),
    type=click.Path(file_okay=False, path_type=Path),
    help="The instance folder whose socket it listens on.",
)
@click.option("--url", "print_url", is_flag=True, help="Print its URL (for REDIS_URL) and exit.")
def redis(instance: Path, print_url: bool) -> None:
    """Run the embedded Redis server until stopped (Ctrl-C), on the instance's socket."""
    if print_url:
        click.echo(url(instance))
        return
    try:
        code = serve(instance)
    except EmbeddedRedisError as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)
