"""A message broker the tests can take down and bring back: a moto server behind a loopback
forwarder on a port that never changes.

The services only ever see the forwarder's address. `stop()` closes it and the moto server
behind it, so every call is refused, as in an outage. `start(prepare)` starts a fresh moto
server on a private port, lets `prepare` (usually: provision the environment's queues and
topics) run against that private address, and only then opens the forwarder again. So when
the broker is back the services meet it whole, as they would after a real outage, and never a
topic whose subscriptions are still being made (a message published then reaches nobody).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.helpers.net import free_port, wait_for_port

_CHUNK = 65536


class Broker:
    """A moto server this test can stop and start again at the same address."""

    def __init__(self) -> None:
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        if executable is None:
            pytest.skip("moto_server is not installed (pip install 'moto[server]')")
        self.executable = executable
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._forwarder: _Forwarder | None = None

    def start(self, prepare: Callable[[Any], object] | None = None) -> None:
        """Start a fresh (empty) broker; `prepare(private)` runs before anyone can reach it.

        `private` has the private `endpoint_url` of the new moto server."""
        upstream = free_port()
        self.process = subprocess.Popen(
            [self.executable, "-H", "127.0.0.1", "-p", str(upstream)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(upstream)
            if prepare is not None:
                prepare(SimpleNamespace(endpoint_url=f"http://127.0.0.1:{upstream}"))
            self._forwarder = _Forwarder(self.port, upstream)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Refuse every connection from now on and drop the broker's state."""
        if self._forwarder is not None:
            self._forwarder.close()
            self._forwarder = None
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            region_name="eu-west-1",
            endpoint_url=self.endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


class _Forwarder:
    """Accepts on 127.0.0.1:`port` and pipes each connection to 127.0.0.1:`upstream`.

    Each accepted connection is a pair of sockets and two pipe threads, one per direction.
    A pair is closed by the thread that ends second, so no thread ever uses a closed (and
    perhaps reused) descriptor; `close()` only shuts sockets down, which ends both threads.
    """

    def __init__(self, port: int, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.lock = threading.Lock()
        self.pairs: dict[int, tuple[socket.socket, socket.socket]] = {}
        self.ends: dict[int, int] = {}  # pipe threads of a pair that have ended
        self.closed = False
        self.acceptor = threading.Thread(target=self._accept, name="broker-forwarder", daemon=True)
        self.acceptor.start()

    def _accept(self) -> None:
        number = 0
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # shut down: the outage has begun
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                if self.closed:
                    client.close()
                    server.close()
                    return
                number += 1
                self.pairs[number] = (client, server)
                self.ends[number] = 0
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pipe, args=(number, source, sink), daemon=True
                ).start()

    def _pipe(self, number: int, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):  # the other direction ends too
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self.lock:
            self.ends[number] += 1
            if self.ends[number] < 2:
                return
            del self.ends[number]
            pair = self.pairs.pop(number)
        for sock in pair:
            sock.close()

    def close(self) -> None:
        """Refuse new connections from now on and end the open ones."""
        with self.lock:
            self.closed = True
            pairs = list(self.pairs.values())
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port
        # listening (connections accepted and dropped, not refused) and the thread waiting.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.acceptor.join(timeout=5)
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
