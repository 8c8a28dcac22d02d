"""`townhall serve`: the web server, a task worker and the outbox sweeper, started and stopped together.

A council tester runs `make run` and gets a working site, background tasks
included, from one command; one Ctrl-C stops everything. With DEBUG on (local
settings) the web server is Django's development server; otherwise it is
gunicorn. Either way the task worker is django-tasks' `db_worker`, and
`notify deliver --loop` sweeps the outbox for messages that are due.

Each child runs in its own process group, so a Ctrl-C in the terminal reaches
only this supervisor, which forwards it once to each child and waits for them:
the children see exactly one signal, whichever way it arrived.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

POLL_SECONDS = 0.2
# gunicorn's graceful timeout is 30s: give it that and a little more before killing
# anything; a task the worker is running gets the same.
STOP_TIMEOUT_SECONDS = 40.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a port number.") from None
    if not 1 <= port <= 65535:
        raise ArgumentTypeError(f"{port} is not between 1 and 65535.")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number.") from None
    if number < 1:
        raise ArgumentTypeError("must be at least 1.")
    return number


def default_web_workers() -> int:
    """gunicorn's rule of thumb, counting the cores this process may actually use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 * cores + 1


def ensure_port_free(host: str, port: int) -> None:
    """Refuse early with a plain message, rather than a child's traceback, when the port is taken.

    The probe sets SO_REUSEADDR as both servers do, so a port in TIME_WAIT after a
    restart counts as free and only a live listener counts as taken.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CommandError(f"Cannot listen on {host!r}: {exc.strerror}.") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use, probably by another Townhall or web server. "
                    f"Stop that, or choose another port: `townhall serve --port {port + 1}` "
                    f"(or TOWNHALL_PORT={port + 1} make run)."
                ) from None
            if exc.errno == errno.EACCES:
                raise CommandError(
                    f"Not allowed to listen on port {port}: ports below 1024 need root. "
                    "Use a higher port and put a reverse proxy in front."
                ) from None
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _browser_url(host: str, port: int) -> str:
    """The address to open: a wildcard bind is reached through the loopback address."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - compared, not bound
    return f"http://{_address(shown, port)}/"


def _manage(*args: str) -> list[str]:
    """A `townhall` subcommand run by this same Python (settings travel in DJANGO_SETTINGS_MODULE)."""
    return [sys.executable, "-m", "townhall.cli", *args]


def _exit_status(returncode: int) -> int:
    """A shell-style status: killed by signal N becomes 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, signum: int) -> None:
        if self.process is not None and self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the child and anything it started (its process group, led by its pid)."""
        if self.process is not None and self.running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Supervisor:
    """Run children until a stop signal arrives or one of them exits; then stop the rest."""

    def __init__(self, children: list[Child], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
        self.children = children
        self.stdout = stdout
        self.stderr = stderr
        self.signals: list[int] = []

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)

    def run(self, *, started_message: str) -> int:
        """Return the exit status: 0 after a requested stop, else the status of the child that exited."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        try:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # logs reach the terminal or journal promptly
            for child in self.children:
                if self.signals:
                    break
                child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    child.command, stdin=subprocess.DEVNULL, env=env, process_group=0
                )
            else:
                self.stdout.write(started_message)
                self.stdout.flush()
            return self._supervise()
        finally:
            for child in self.children:
                child.kill_group()  # only anything that outlived the stop
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _supervise(self) -> int:
        while not self.signals:
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    status = _exit_status(child.process.returncode)
                    others = [c.name for c in self.children if c.running]
                    self.stderr.write(
                        f"The {child.name} stopped (exit status {status})"
                        + (f"; stopping the {' and '.join(others)}." if others else ".")
                    )
                    self._stop(signal.SIGTERM)
                    return status
            time.sleep(POLL_SECONDS)
        self.stdout.write("Stopping Townhall...")
        self.stdout.flush()
        # Ctrl-C stays SIGINT (gunicorn's quick shutdown); SIGTERM and SIGHUP become SIGTERM (graceful).
        self._stop(signal.SIGINT if self.signals[0] == signal.SIGINT else signal.SIGTERM)
        self.stdout.write("Townhall stopped.")
        self.stdout.flush()
        return 0

    def _stop(self, signum: int) -> None:
        """Signal every running child once; a second signal to us, or the timeout, kills them outright."""
        signals_before = len(self.signals)
        for child in self.children:
            child.send(signum)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while any(child.running for child in self.children):
            if len(self.signals) > signals_before:
                self.stderr.write("Stopping at once.")
                break
            if time.monotonic() > deadline:
                self.stderr.write(f"Still running after {STOP_TIMEOUT_SECONDS:.0f}s; killing.")
                break
            time.sleep(POLL_SECONDS)
        for child in self.children:
            child.kill_group()


class Command(BaseCommand):
    help = (
        "Run Townhall: the web server (Django's development server when DEBUG is on, "
        "otherwise gunicorn) together with a task worker (db_worker). Ctrl-C stops both. "
        "gunicorn trusts X-Forwarded-* headers from FORWARDED_ALLOW_IPS (default 127.0.0.1,::1); "
        "GUNICORN_CMD_ARGS adds further gunicorn options."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=_port, default=None, help="port to listen on (default: TOWNHALL_PORT)")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only, with no task worker")
        parser.add_argument(
            "--workers", type=_positive, default=None, help="gunicorn web workers (default: 2 x cores + 1)"
        )
        parser.add_argument("--reload", action="store_true", help="restart the server and worker when code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"] or settings.TOWNHALL_PORT
        ensure_port_free(host, port)
        verbosity = str(options["verbosity"])

        children = [Child("web server", self._web_command(host, port, options))]
        if not options["no_worker"]:
            reload = "--reload" if options["reload"] else "--no-reload"
            children.append(Child("task worker", _manage("db_worker", reload, "--verbosity", verbosity)))
            # The outbox sweeper delivers messages whose task was lost and retries that fall due.
            children.append(Child("outbox sweeper", _manage("notify", "--verbosity", verbosity, "deliver", "--loop")))
        if not settings.DEBUG:
            self._warn_if_static_not_collected()

        server = "development server" if settings.DEBUG else "gunicorn"
        extra = ", a task worker and the outbox sweeper" if not options["no_worker"] else ""
        message = self.style.SUCCESS(
            f"Townhall is running at {_browser_url(host, port)} ({server}{extra}). Press Ctrl-C to stop."
        )
        status = Supervisor(children, stdout=self.stdout, stderr=self.stderr).run(started_message=message)
        if status:
            sys.exit(status)

    def _web_command(self, host: str, port: int, options: dict[str, Any]) -> list[str]:
        if settings.DEBUG:
            if options["workers"] is not None:
                self.stderr.write("--workers applies to gunicorn only; the development server ignores it.")
            reload = [] if options["reload"] else ["--noreload"]
            return _manage("runserver", _address(host, port), *reload, "--verbosity", str(options["verbosity"]))
        workers = options["workers"] or default_web_workers()
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "townhall.wsgi:application",
            "--bind",
            _address(host, port),
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            # This command supervises gunicorn itself; gunicorn's control socket would sit at
            # one path in $HOME shared by every instance (and fail where $HOME is read-only).
            "--no-control-socket",
            *(["--reload"] if options["reload"] else []),
        ]

    def _warn_if_static_not_collected(self) -> None:
        """The manifest storage cannot render a page before collectstatic: say so before the first 500."""
        backend = str(settings.STORAGES.get("staticfiles", {}).get("BACKEND", ""))
        manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
        if "Manifest" in backend and not manifest.exists():
            self.stderr.write(
                f"Static files have not been collected ({manifest} is missing): "
                "run `townhall collectstatic --noinput` before serving, or pages will fail."
            )
