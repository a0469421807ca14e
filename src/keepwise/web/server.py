"""Run the web app with uvicorn: ``serve(db_url, host, port)`` (``keepwise serve``, ``keepwise demo``)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from typing import Any

from keepwise.errors import ConfigError
from keepwise.settings import get_settings
from keepwise.store.db import normalize_url, require_current, session_scope
from keepwise.store.users import count_users


def check_servable(db_url: str | None) -> str:
    """The normalised URL if the store is migrated and has an active user, else a helpful error.

    There is no default account: outside the demo, someone must create the first user
    (``keepwise user add NAME --role admin``) before the server starts.
    """
    url = normalize_url(db_url)
    require_current(url)
    with session_scope(url) as session:
        if count_users(session, active_only=True) == 0:
            raise ConfigError(
                f"the store {url!r} has no active users: create the first one with "
                "`keepwise user add NAME --role admin` (it asks for a password), then serve again"
            )
    return url


_ENV_URL = "KEEPWISE_SERVE_DB"
_ENV_DEMO = "KEEPWISE_SERVE_DEMO"


def app_from_env() -> Any:
    """The app factory uvicorn's worker processes call (``workers > 1``)."""
    from keepwise.web.app import create_app

    return create_app(os.environ[_ENV_URL], demo=os.environ.get(_ENV_DEMO) == "1")


def serve(
    db_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    *,
    workers: int = 1,
    log_level: str = "info",
    forwarded_allow_ips: str | None = None,
) -> None:
    """Serve keepwise over the store at ``db_url`` until interrupted (blocks).

    ``workers > 1`` runs that many server processes (each with its own caches); they share
    one session key, so a login works whichever process answers.

    ``forwarded_allow_ips`` (default ``KEEPWISE_FORWARDED_ALLOW_IPS``, ``127.0.0.1,::1``) names
    the reverse proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed: the
    client address then comes from the proxy (audit log, login throttle), and a proxy that
    says ``https`` makes the session cookie ``Secure`` and adds HSTS. ``""`` trusts no one.

    Raises :class:`~keepwise.errors.ConfigError` when the store has no active user or no
    session key can be found (see :func:`keepwise.web.security.resolve_secret_key`).
    """
    import uvicorn

    from keepwise.web.app import create_app
    from keepwise.web.security import resolve_secret_key

    url = check_servable(db_url)
    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if forwarded_allow_ips is None:
        forwarded_allow_ips = get_settings().forwarded_allow_ips
    if workers == 1:
        app = create_app(url, demo=demo)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
        )
        return
    os.environ["KEEPWISE_FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
    os.environ["KEEPWISE_SECRET_KEY"] = resolve_secret_key(url, demo=demo)
    os.environ[_ENV_URL] = url
    os.environ[_ENV_DEMO] = "1" if demo else "0"
    get_settings.cache_clear()
    if hasattr(socket, "SO_REUSEPORT"):
        _serve_reuseport(host, port, workers, log_level)
        return
    uvicorn.run(
        "keepwise.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=300,  # importing the analytics stack takes a while
        log_level=log_level,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )


#: A server process that stops sooner than this after starting failed to start: the
#: supervisor gives up instead of restarting it over and over.
WORKER_MIN_LIFE_SECONDS = 30.0


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` in the port's SO_REUSEPORT group."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, log_level: str) -> None:  # pragma: no cover - subprocess
    import uvicorn

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor stops the workers (SIGTERM)
    parent = os.getppid()

    def orphaned() -> None:  # a supervisor killed outright leaves no server behind
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, name="keepwise-parent-watch", daemon=True).start()
    config = uvicorn.Config(
        "keepwise.web.server:app_from_env",
        factory=True,
        log_level=log_level,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=get_settings().forwarded_allow_ips,
    )
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port)])


def _serve_reuseport(host: str, port: int, workers: int, log_level: str) -> None:
    """Run ``workers`` server processes, each with its own listening socket on the same port.

    The kernel spreads new connections over the sockets of an SO_REUSEPORT group. With one
    shared socket (uvicorn's ``workers``), whichever process wakes first accepts a whole burst
    of connections, and keep-alive clients then stay on that one process (one core) while the
    others idle. A worker that dies is started again; SIGINT or SIGTERM stops them all.
    """
    # Bind once here, so that a port in use is one clear error (and port 0 picks the port).
    try:
        probe = _listening_socket(host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    port = int(probe.getsockname()[1])
    probe.close()
    context = multiprocessing.get_context("spawn")
    started: dict[int, float] = {}

    def start() -> Any:
        process = context.Process(target=_worker, args=(host, port, log_level))
        process.start()
        started[id(process)] = time.monotonic()
        return process

    processes = [start() for _ in range(workers)]
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            time.sleep(0.5)
            for i, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started[id(process)] < WORKER_MIN_LIFE_SECONDS:
                    raise ConfigError(
                        f"a server process stopped at start-up (exit code {process.exitcode}); "
                        "see the messages above"
                    )
                processes[i] = start()
    finally:
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 8.0
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
