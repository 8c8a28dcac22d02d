"""The `townhall` command: Django's manage.py under Townhall's name.

Every management command works through it (`townhall migrate`, `townhall demo`,
`townhall serve`, `townhall audit verify`, ...). Settings default to local
development; set DJANGO_SETTINGS_MODULE=townhall.settings.production on a server.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")
    args = sys.argv[1:] if argv is None else argv
    exit_on_configuration_error(args)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["townhall", *args])


def exit_on_configuration_error(args: list[str]) -> None:
    """Load settings up front so a wrong environment variable gets one clear line, not a traceback.

    config.py raises ImproperlyConfigured with a message written for the person
    configuring the server; Django would print it under a long traceback.
    `--settings` and `--pythonpath` are honoured the way manage.py honours them.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management.base import CommandError, CommandParser, handle_default_options

    parser = CommandParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--settings")
    parser.add_argument("--pythonpath")
    try:
        options, _ = parser.parse_known_args(args)
        handle_default_options(options)
    except CommandError:
        return  # Django reports option errors itself
    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting imports the settings module
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
