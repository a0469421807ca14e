"""`keepwise serve --workers N`: N processes, each listening on the port (SO_REUSEPORT), that
share the connections of a burst of keep-alive clients and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from keepwise.accounts import create_user
from keepwise.errors import ConfigError

pytestmark = pytest.mark.integration  # Linux: SO_REUSEPORT, /proc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            # the server processes, not multiprocessing's resource tracker
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _established_inodes(port: int) -> set[str]:
    """Inodes of the server side of established TCP connections on ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01 = ESTABLISHED
            inodes.add(fields[9])
    return inodes


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    create_user(sqlite_url, "admin", "a-long-password", role="admin")
    port = _free_port()
    env = {**os.environ, "KEEPWISE_SECRET_KEY": "w" * 32, "KEEPWISE_WARM_UP": "0"}
    code = (
        "from keepwise.web.server import serve; "
        f"serve({sqlite_url!r}, host='127.0.0.1', port={port}, log_level='warning', workers=2)"
    )
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the server did not start: {(tmp_path / 'serve.log').read_text()}")
        time.sleep(0.2)
    # both workers up (each answers /healthz once its app is loaded)
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)
    yield proc, port
    if proc.poll() is None:
        proc.kill()


def test_workers_share_a_burst_of_connections_and_stop_together(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    workers = _children(proc.pid)
    assert len(workers) == 2
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    try:
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        for client in clients:
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
        established = _established_inodes(port)
        per_worker = [len(_socket_inodes(pid) & established) for pid in workers]
        assert sum(per_worker) == 20
        assert min(per_worker) >= 1, per_worker  # not all on one process (p = 2e-6 by chance)
    finally:
        for client in clients:
            client.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) is not None
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)]


def test_a_port_in_use_is_a_clear_error(sqlite_url: str) -> None:
    from keepwise.web.server import serve

    create_user(sqlite_url, "admin", "a-long-password", role="admin")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(sqlite_url, host="127.0.0.1", port=port, workers=2)


def test_workers_of_a_killed_supervisor_stop(served) -> None:  # type: ignore[no-untyped-def]
    proc, _port = served
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
