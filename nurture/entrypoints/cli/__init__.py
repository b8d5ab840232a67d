"""The `nurture` command line (SPEC.md: commands, global options, exit codes)."""

from __future__ import annotations

import sys

import click

from nurture import __version__
from nurture.entrypoints.cli.common import Options, global_options


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nurture")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """nurture keeps business relationships warm: occasions, content drops, human approval."""
    ctx.ensure_object(Options)


def _register() -> None:
    from nurture.entrypoints.cli import contacts, messages, reports, service  # noqa: F401


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="nurture", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
