"""Faults to put between the hotline and what it depends on: a TCP proxy that can freeze."""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType


class FreezingProxy:
    """Forwards TCP to `target` until frozen; frozen, it accepts and holds bytes, sends none.

    This is a stalled database or Redis as the client sees it: the connection stays up, the
    kernel acknowledges what is sent, and no answer ever comes.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._thawed = threading.Event()
        self._thawed.set()
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        """Stop forwarding in both directions (connections stay open)."""
        self._thawed.clear()

    def thaw(self) -> None:
        """Forward again."""
        self._thawed.set()

    def close(self) -> None:
        """Drop every connection and stop listening."""
        self._closing.set()
        self._thawed.set()
        with self._lock:
            for sock in [self._listener, *self._sockets]:
                try:
                    sock.close()
                except OSError:
                    pass

    def __enter__(self) -> FreezingProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
            self._thawed.wait()
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
                if self._closing.is_set():  # closed while this one waited for the thaw
                    upstream.close()
                    client.close()
                    return
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            while not self._closing.is_set():
                self._thawed.wait()
                for key, _ in selector.select(timeout=0.1):
                    self._thawed.wait()  # frozen between select and read: hold the bytes
                    try:
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            return
                        peers[key.fileobj].sendall(data)  # type: ignore[index]
                    except OSError:
                        return
