"""`townhall serve`: web server plus task worker, started and stopped together, run as a council would.

Each test starts the real command in a subprocess with its own SQLite database
and var/ directory (not the test database), and watches its process tree in
/proc (psutil is not a dependency).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.core.environment import REPO, TOWNHALL, run_townhall, townhall_env

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")

STARTUP_TIMEOUT = 60.0  # generous: two cold Python processes loading Django on a busy CI machine
STOP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, or None once it is gone (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]  # the command name may hold spaces
    return None if state in {"Z", "X"} else (state, int(ppid))


def children(pid: int) -> dict[int, str]:
    """Live child processes of `pid`, with their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[1] != pid:
            continue
        try:
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
    return found


def descendants(pid: int) -> dict[int, str]:
    found = children(pid)
    for child in list(found):
        found |= descendants(child)
    return found


def alive(pid: int) -> bool:
    return _stat(pid) is not None


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


class Serve:
    """One `townhall serve` run; its output goes to a file so a full pipe can never block it."""

    def __init__(self, env: dict[str, str], args: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [*TOWNHALL, "serve", *args], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        self.tree: dict[int, str] = {}

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_health(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Poll until the server answers 200; a readiness wait, not a timing assertion."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited early ({self.process.returncode}):\n{self.output}"
            try:
                request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local http URL
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        pytest.fail(f"{url} did not answer 200 within {STARTUP_TIMEOUT:.0f}s:\n{self.output}")

    def snapshot_tree(self) -> dict[int, str]:
        self.tree = descendants(self.process.pid)
        return self.tree

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve did not stop within {STOP_TIMEOUT:.0f}s of {signal.Signals(signum).name}")

    def kill_everything(self) -> None:
        """Teardown after a failure: nothing may outlive the test."""
        for pid in [*descendants(self.process.pid), *self.tree, self.process.pid]:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database (the worker needs its tables) shared by this module's runs."""
    path = tmp_path_factory.mktemp("serve-var")
    subprocess.run(
        [*TOWNHALL, "migrate", "--noinput", "--verbosity", "0"],
        cwd=REPO,
        env=townhall_env(path),
        check=True,
        timeout=300,
    )
    return path


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    runs: list[Serve] = []

    def start(env: dict[str, str], *args: str) -> Serve:
        run = Serve(env, list(args), tmp_path / f"serve-{len(runs)}.log")
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill_everything()


def assert_tree_gone(run: Serve) -> None:
    assert run.tree, "the process tree was never recorded"
    wait_until(lambda: not any(alive(pid) for pid in run.tree), timeout=10)
    leftovers = {pid: command for pid, command in run.tree.items() if alive(pid)}
    assert not leftovers, f"processes outlived serve: {leftovers}"


def test_serve_runs_the_development_server_and_a_worker_and_stops_both_on_sigterm(var_dir, start_serve) -> None:
    port = free_port()
    run = start_serve(townhall_env(var_dir, TOWNHALL_PORT=str(port)))

    run.wait_for_health(f"http://127.0.0.1:{port}/healthz")
    run.snapshot_tree()
    direct = children(run.process.pid)
    assert any("runserver" in command and "--noreload" in command for command in direct.values()), direct
    assert any("db_worker" in command for command in direct.values()), direct
    assert any("notify" in command and "deliver --loop" in command for command in direct.values()), direct
    status = run.stop(signal.SIGTERM)

    assert status == 0, run.output
    assert_tree_gone(run)
    assert f"Townhall is running at http://127.0.0.1:{port}/" in run.output
    assert "Ctrl-C" in run.output


def test_serve_runs_gunicorn_outside_debug_and_stops_on_ctrl_c(var_dir, start_serve) -> None:
    port = free_port()
    env = townhall_env(
        var_dir,
        settings="townhall.settings.production",
        SECRET_KEY="x7-" + "k2Vq9pLr4TzW8mN1bJ6cY3hD5fG0sA" * 2,
        ALLOWED_HOSTS="127.0.0.1",
    )
    run = start_serve(env, "--port", str(port), "--workers", "2")

    # Production redirects plain http to https; the proxy's header says the request came over https.
    run.wait_for_health(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    # The arbiter and two workers; one booted worker is enough to answer, so wait for the second.
    wait_until(lambda: sum("gunicorn" in c for c in run.snapshot_tree().values()) == 3, timeout=STARTUP_TIMEOUT)
    commands = list(run.tree.values())
    assert sum("gunicorn" in command for command in commands) == 3, commands
    assert any("db_worker" in command for command in commands), commands
    status = run.stop(signal.SIGINT)

    assert status == 0, run.output
    assert_tree_gone(run)
    assert "(gunicorn, a task worker and the outbox sweeper)" in run.output


def test_when_the_worker_dies_serve_stops_the_web_server_and_exits_with_its_status(var_dir, start_serve) -> None:
    port = free_port()
    run = start_serve(townhall_env(var_dir), "--port", str(port))
    run.wait_for_health(f"http://127.0.0.1:{port}/healthz")
    run.snapshot_tree()
    worker = next(pid for pid, command in children(run.process.pid).items() if "db_worker" in command)

    os.kill(worker, signal.SIGKILL)

    assert run.process.wait(timeout=STOP_TIMEOUT) == 128 + signal.SIGKILL
    assert_tree_gone(run)
    assert "The task worker stopped" in run.output


@pytest.mark.parametrize("how", ["--port", "TOWNHALL_PORT"])
def test_a_port_in_use_is_refused_with_a_clear_message(tmp_path: Path, how: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        env = townhall_env(tmp_path, TOWNHALL_PORT=str(port)) if how == "TOWNHALL_PORT" else townhall_env(tmp_path)
        args = ["--port", str(port)] if how == "--port" else []

        result = run_townhall("serve", *args, env=env)

    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Townhall is running" not in result.stdout
