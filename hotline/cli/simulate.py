"""Placeholder: replaced by the module's author."""

import click


@click.group()
def simulate() -> None:
    """(not yet written)"""
