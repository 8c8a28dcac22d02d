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
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["townhall", *args])


if __name__ == "__main__":
    main()
