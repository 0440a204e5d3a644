"""A small threaded TCP proxy on 127.0.0.1 for the fault tests: the importer connects to it with a TCP DSN.

It forwards every connection to an upstream — a PostgreSQL unix socket path or a ``(host, port)`` — byte
for byte, and on request:

* **cuts** a connection when the client sends a given byte pattern (e.g. ``COMMIT`` after the ledger
  INSERT): with the chunk forwarded first (the server receives and runs it, the reply never comes back)
  or not (the server never sees it), optionally running a callback in between — see :meth:`TcpProxy.cut_on`;
* **swallows** traffic (:meth:`TcpProxy.swallow`): data is read and dropped in both directions and a
  client's close is not passed on, so the server keeps a backend whose client is gone — what a server sees
  when a laptop vanishes from the network. (A kernel-level black hole, where not even TCP ACKs come back,
  needs a packet filter; the tests use ``nft`` on this proxy's port for that.)
* **cuts everything** at once (:meth:`TcpProxy.cut_all`).

Only loopback: it listens on 127.0.0.1 and the tests point it at their own server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Upstream = str | tuple[str, int]


@dataclass
class CutRule:
    """Cut the connection the ``skip + 1``-th time the client sends ``pattern`` (after ``armed_by``)."""

    pattern: bytes
    armed_by: bytes | None = None
    skip: int = 0
    forward: bool = True
    before_cut: Callable[[], None] | None = None
    fired: threading.Event = field(default_factory=threading.Event)
    #: Set once the connection is closed (after ``before_cut`` returned).
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class _Link:
    """One client connection and its upstream connection, pumped by two threads."""

    def __init__(self, proxy: TcpProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.frozen = False  # server -> client data is dropped (a cut is in progress)
        self.closed = False
        self._lock = threading.Lock()
        self._armed: dict[int, bool] = {}
        self._seen: dict[int, int] = {}
        self._tail = b""

    def start(self) -> None:
        for target in (self._client_to_server, self._server_to_client):
            threading.Thread(target=target, daemon=True).start()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        for sock in (self.client, self.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.proxy._forget(self)

    def _match(self, chunk: bytes) -> CutRule | None:
        """The rule this chunk fires, if any. A pattern may straddle two chunks; only occurrences that
        end in the new chunk count, so none is counted twice."""
        tail = self._tail
        window = tail + chunk
        self._tail = window[-64:]
        for rule in self.proxy._rules_snapshot():
            key = id(rule)
            if rule.fired.is_set():
                continue
            if rule.armed_by is not None and not self._armed.get(key):
                at = window.find(rule.armed_by, max(0, len(tail) - len(rule.armed_by) + 1))
                if at < 0:
                    continue
                self._armed[key] = True
                start = at + len(rule.armed_by)
            else:
                start = max(0, len(tail) - len(rule.pattern) + 1)
            if window.find(rule.pattern, start) < 0:
                continue
            self._seen[key] = self._seen.get(key, 0) + 1
            self._armed[key] = False
            if self._seen[key] > rule.skip and self.proxy._claim(rule):
                return rule
        return None

    def _cut(self, rule: CutRule, chunk: bytes) -> None:
        self.frozen = True
        try:
            if rule.forward:
                self.upstream.sendall(chunk)
            if rule.before_cut is not None:
                rule.before_cut()
        except BaseException as exc:  # noqa: BLE001 - reported to the test through the rule
            rule.error = exc
        finally:
            self.close()
            rule.done.set()

    def _client_to_server(self) -> None:
        try:
            while True:
                chunk = self.client.recv(65536)
                if not chunk:
                    break
                if self.proxy.swallowing:
                    continue
                rule = self._match(chunk)
                if rule is not None:
                    self._cut(rule, chunk)
                    return
                self.upstream.sendall(chunk)
        except OSError:
            pass
        if self.proxy.swallowing:
            return  # the client is gone but the server is not told: its backend lingers
        self.close()

    def _server_to_client(self) -> None:
        try:
            while True:
                chunk = self.upstream.recv(65536)
                if not chunk:
                    break
                if self.frozen or self.proxy.swallowing:
                    continue
                self.client.sendall(chunk)
        except OSError:
            pass
        if not self.frozen:
            self.close()


class TcpProxy:
    """``127.0.0.1:<port>`` forwarding to ``upstream``; see the module docstring. A context manager."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self.swallowing = False
        self.accepted = 0
        self._links: set[_Link] = set()
        self._rules: list[CutRule] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # --- life cycle ---------------------------------------------------------------------------------
    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopped.set()
        try:
            self._listener.close()
        except OSError:
            pass
        self.swallowing = False
        self.cut_all()
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- faults -------------------------------------------------------------------------------------
    def cut_on(
        self,
        pattern: bytes,
        *,
        armed_by: bytes | None = None,
        skip: int = 0,
        forward: bool = True,
        before_cut: Callable[[], None] | None = None,
    ) -> CutRule:
        """One-shot: when a client sends ``pattern`` (after ``armed_by`` on the same connection, ``skip``
        matches ignored), stop passing the server's replies, forward the chunk (or not), run
        ``before_cut`` and close both sides."""
        rule = CutRule(pattern, armed_by, skip, forward, before_cut)
        with self._lock:
            self._rules.append(rule)
        return rule

    def swallow(self, on: bool = True) -> None:
        """Drop all data both ways (current and new connections) and do not pass a client's close on."""
        self.swallowing = on

    def cut_all(self) -> None:
        """Close every connection, both sides, now."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()

    @property
    def live_connections(self) -> int:
        with self._lock:
            return len(self._links)

    # --- internals ----------------------------------------------------------------------------------
    def _rules_snapshot(self) -> list[CutRule]:
        with self._lock:
            return list(self._rules)

    def _claim(self, rule: CutRule) -> bool:
        with self._lock:
            if rule.fired.is_set():
                return False
            rule.fired.set()
            return True

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.upstream, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.upstream)
        else:
            sock = socket.create_connection(self.upstream, timeout=10)
            sock.settimeout(None)
        return sock

    def _serve(self) -> None:
        self._listener.settimeout(0.2)  # a closed listener does not wake a blocked accept(): poll instead
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = self._connect_upstream()
            except OSError:
                client.close()
                continue
            link = _Link(self, client, upstream)
            with self._lock:
                self._links.add(link)
                self.accepted += 1
            link.start()
