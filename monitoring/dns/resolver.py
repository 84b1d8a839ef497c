"""An asyncio client for bulk DNS lookups over UDP.

One `BulkResolver` talks to one server. It keeps up to `max_in_flight`
queries outstanding over a few connected UDP sockets with raised receive
buffers, paces itself to `rate` queries per second, retries timeouts, falls
back to TCP when a reply is truncated and follows CNAME chains (RFC 2317
classless reverse delegation puts a CNAME at the in-addr.arpa name).

Replies are matched by query id and by the echoed question, so a late reply
to an earlier query that reused the id is dropped. The outcomes answer,
NXDOMAIN, NODATA, SERVFAIL, REFUSED and timeout stay distinct: a caller must
never read a failed lookup as "no record".
"""

import asyncio
import enum
import errno
import logging
import random
import socket
import struct
import time
from collections import deque
from dataclasses import dataclass

from . import wire

logger = logging.getLogger(__name__)

MAX_CNAME_DEPTH = 8


class Outcome(enum.StrEnum):
    ANSWER = "answer"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    # FORMERR, NOTIMP, unreadable replies, loops and over-long CNAME chains.
    ERROR = "error"


# Outcomes that say something definite about the records at the name.
DEFINITE_OUTCOMES = frozenset({Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NODATA})

_RCODE_OUTCOMES = {
    wire.RCODE_NXDOMAIN: Outcome.NXDOMAIN,
    wire.RCODE_SERVFAIL: Outcome.SERVFAIL,
    wire.RCODE_REFUSED: Outcome.REFUSED,
}


# Not frozen: a frozen dataclass sets each field through object.__setattr__,
# which is measurably slower when a scan creates one Result per address.
@dataclass(slots=True)
class Result:
    """The outcome of one lookup.

    `values` are the records of the requested type at the end of the CNAME
    chain (names for PTR, dotted text for A, tuples of byte strings for TXT);
    `cnames` lists the CNAME targets followed, in order.
    """

    key: object
    name: str
    qtype: int
    outcome: Outcome
    values: tuple = ()
    cnames: tuple = ()
    detail: str = ""


class _Query:
    __slots__ = ("key", "origin_name", "name", "qtype", "question", "attempts", "cnames", "deadline")

    def __init__(self, key, origin_name, name, qtype, question, cnames=()):
        self.key = key
        self.origin_name = origin_name
        self.name = name
        self.qtype = qtype
        self.question = question
        self.attempts = 0
        self.cnames = cnames
        self.deadline = 0.0


def parse_server(value, default_port=53):
    """Parse "host:port" or "host" into (host, port)."""
    host, _, port = str(value).rpartition(":")
    if not host:
        return str(value), default_port
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        raise ValueError(f"invalid DNS server {value!r}: expected host:port, e.g. 127.0.0.1:53") from None


class BulkResolver:
    """Resolve many names against one server with bounded concurrency.

    `rate` is the pacing limit in queries per second (None for no limit);
    authoritative servers rate-limit, NSD by default at 200 answers per
    second per /24 of client address. `timeout` is per attempt, in seconds.
    """

    def __init__(self, server, *, max_in_flight=2000, rate=None, timeout=2.0, retries=2,
                 sockets=4, receive_buffer=8 * 1024 * 1024):
        self.host, self.port = parse_server(server) if isinstance(server, str) else server
        self.max_in_flight = max(1, min(int(max_in_flight), 60000))
        self.rate = rate
        self.timeout = timeout
        self.retries = retries
        self.socket_count = max(1, sockets)
        self.receive_buffer = receive_buffer

    def resolve(self, questions):
        """Resolve (key, name, qtype) tuples; return Results in completion order.

        A tuple may carry a fourth item, the question section already in wire
        form (see `wire.reverse_question`); `name` must then be lowercase
        without the final dot.

        Runs its own event loop (uvloop when installed), so call it from
        synchronous code such as a Celery task.
        """
        return run_coroutine(self.resolve_async(questions))

    async def resolve_async(self, questions):
        run = _Run(self, questions)
        return await run.execute()


def run_coroutine(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


class _Run:
    """The state of one `resolve` call: sockets, outstanding queries, results."""

    def __init__(self, resolver, questions):
        self.resolver = resolver
        self.source = iter(questions)
        self.source_done = False
        self.ready = deque()  # queries to send before reading more from source
        self.pending = {}  # query id -> _Query
        self.deadlines = deque()  # (deadline, query id, _Query) in send order
        self.free_ids = list(range(65536))
        random.shuffle(self.free_ids)
        self.tcp_tasks = set()
        self.results = []
        self.wake = asyncio.Event()
        self.sockets = []
        self.counters = {"sent": 0, "received": 0, "retried": 0, "unmatched": 0, "tcp": 0}

    # --- setup -----------------------------------------------------------------

    def _open_sockets(self, loop):
        family = socket.AF_INET6 if ":" in self.resolver.host else socket.AF_INET
        for index in range(self.resolver.socket_count):
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.resolver.receive_buffer)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.resolver.receive_buffer)
            except OSError as exc:
                logger.warning("Could not raise socket buffers: %s", exc)
            sock.setblocking(False)
            sock.connect((self.resolver.host, self.resolver.port))
            self.sockets.append(sock)
            loop.add_reader(sock.fileno(), self._drain, sock)

    def _close_sockets(self, loop):
        for sock in self.sockets:
            loop.remove_reader(sock.fileno())
            sock.close()

    # --- main loop ---------------------------------------------------------------

    async def execute(self):
        loop = asyncio.get_running_loop()
        self._open_sockets(loop)
        try:
            await self._send_loop(loop)
        finally:
            self._close_sockets(loop)
            for task in self.tcp_tasks:
                task.cancel()
        logger.debug("Bulk resolve finished: %s", self.counters)
        return self.results

    def _in_flight(self):
        return len(self.pending) + len(self.tcp_tasks)

    def _next_query(self):
        if self.ready:
            return self.ready.popleft()
        if self.source_done:
            return None
        try:
            item = next(self.source)
        except StopIteration:
            self.source_done = True
            return None
        if len(item) == 4:
            key, name, qtype, question = item
            return _Query(key, name, name, qtype, question)
        key, name, qtype = item
        try:
            question = wire.encode_question(name, qtype)
        except wire.WireError as exc:
            self.results.append(Result(key, name, qtype, Outcome.ERROR, detail=str(exc)))
            return self._next_query()
        name = name.rstrip(".").lower()
        return _Query(key, name, name, qtype, question)

    async def _send_loop(self, loop):
        resolver = self.resolver
        rate = resolver.rate
        tokens = 0.0
        last = time.monotonic()
        burst = max(1.0, (rate or 0) / 50)
        sockets = self.sockets
        socket_count = len(sockets)
        while True:
            now = time.monotonic()
            self._expire(now)
            if rate:
                tokens = min(burst, tokens + (now - last) * rate)
                last = now
            blocked = False
            while self._in_flight() < resolver.max_in_flight and (not rate or tokens >= 1):
                query = self._next_query()
                if query is None:
                    break
                query_id = self.free_ids.pop()
                query.attempts += 1
                query.deadline = now + resolver.timeout
                message = wire.build_query(query_id, query.question)
                sock = sockets[query_id % socket_count]
                try:
                    sock.send(message)
                except BlockingIOError:
                    # The send buffer is full: keep the query for the next round.
                    self.free_ids.append(query_id)
                    query.attempts -= 1
                    self.ready.appendleft(query)
                    blocked = True
                    break
                except OSError as exc:
                    self.free_ids.append(query_id)
                    if exc.errno == errno.ECONNREFUSED:
                        # An ICMP port unreachable from an earlier datagram; retry this one.
                        query.attempts -= 1
                        self.ready.appendleft(query)
                        blocked = True
                        break
                    self._finish(query, Outcome.ERROR, detail=f"send failed: {exc}")
                    continue
                self.pending[query_id] = query
                self.deadlines.append((query.deadline, query_id, query))
                self.counters["sent"] += 1
                if rate:
                    tokens -= 1
            if self.source_done and not self.ready and not self.pending and not self.tcp_tasks:
                return
            self.wake.clear()
            if blocked:
                wait = 0.001
            elif rate and tokens < 1:
                wait = (1 - tokens) / rate
            else:
                wait = 0.05
            try:
                await asyncio.wait_for(self.wake.wait(), wait)
            except TimeoutError:
                pass

    def _expire(self, now):
        deadlines = self.deadlines
        while deadlines and deadlines[0][0] <= now:
            _, query_id, query = deadlines.popleft()
            if self.pending.get(query_id) is not query:
                continue
            del self.pending[query_id]
            self.free_ids.append(query_id)
            if query.attempts <= self.resolver.retries:
                self.counters["retried"] += 1
                self.ready.append(query)
            else:
                self._finish(query, Outcome.TIMEOUT,
                             detail=f"no reply after {query.attempts} attempts")

    # --- replies -------------------------------------------------------------------

    def _drain(self, sock):
        pending = self.pending
        while True:
            try:
                data = sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionRefusedError:
                # ICMP port unreachable: the server is down. Queries time out and retry.
                continue
            if len(data) < 12:
                self.counters["unmatched"] += 1
                continue
            query_id = (data[0] << 8) | data[1]
            query = pending.get(query_id)
            question = query.question if query is not None else b""
            # Compare the echoed question case-insensitively: some servers
            # and middleboxes change the case of the name (DNS 0x20).
            if query is None or (data[12:12 + len(question)] != question
                                 and data[12:12 + len(question)].lower() != question):
                self.counters["unmatched"] += 1
                continue
            del pending[query_id]
            self.free_ids.append(query_id)
            self.counters["received"] += 1
            self._handle_reply(query, data, via_tcp=False)
        self.wake.set()

    def _handle_reply(self, query, data, *, via_tcp):
        try:
            rcode, truncated, answers = wire.parse_reply(data, len(query.question))
        except (wire.WireError, IndexError, struct.error):
            try:
                rcode, truncated, answers = wire.parse_with_dnspython(data)
            except Exception as exc:  # dnspython raises many exception types for bad input
                self._finish(query, Outcome.ERROR, detail=f"unreadable reply: {exc}")
                return
        if truncated and not via_tcp:
            self._start_tcp(query)
            return
        if rcode != wire.RCODE_NOERROR:
            outcome = _RCODE_OUTCOMES.get(rcode, Outcome.ERROR)
            self._finish(query, outcome, detail="" if outcome != Outcome.ERROR else f"rcode {rcode}")
            return
        self._resolve_answers(query, answers)

    def _resolve_answers(self, query, answers):
        qtype = query.qtype
        current = query.name
        if len(answers) == 1 and answers[0][1] == qtype and answers[0][0] in (None, current):
            self._finish(query, Outcome.ANSWER, values=(answers[0][2],))
            return
        cnames = list(query.cnames)
        while True:
            values = tuple(
                value for owner, rtype, value in answers
                if rtype == qtype and (owner is None and current == query.name or owner == current)
            )
            if values:
                self._finish(query, Outcome.ANSWER, values=values, cnames=tuple(cnames))
                return
            target = next(
                (value for owner, rtype, value in answers
                 if rtype == wire.TYPE_CNAME and (owner or query.name) == current),
                None,
            )
            if target is None:
                break
            if target in cnames or len(cnames) >= MAX_CNAME_DEPTH:
                self._finish(query, Outcome.ERROR, cnames=tuple(cnames),
                             detail=f"CNAME loop or chain longer than {MAX_CNAME_DEPTH} at {target}")
                return
            cnames.append(target)
            current = target
        if current != query.name:
            # The server returned the CNAME but not the target's records: ask for them.
            follow = _Query(query.key, query.origin_name, current, qtype,
                            wire.encode_question(current, qtype), tuple(cnames))
            self.ready.appendleft(follow)
            return
        self._finish(query, Outcome.NODATA, cnames=tuple(cnames))

    def _finish(self, query, outcome, *, values=(), cnames=None, detail=""):
        self.results.append(Result(
            query.key, query.origin_name, query.qtype, outcome, values,
            query.cnames if cnames is None else cnames, detail,
        ))

    # --- TCP fallback ---------------------------------------------------------------

    def _start_tcp(self, query):
        self.counters["tcp"] += 1
        task = asyncio.get_running_loop().create_task(self._query_tcp(query))
        self.tcp_tasks.add(task)
        task.add_done_callback(self._tcp_done)

    def _tcp_done(self, task):
        self.tcp_tasks.discard(task)
        self.wake.set()

    async def _query_tcp(self, query):
        message = wire.build_query(random.randrange(65536), query.question)
        try:
            async with asyncio.timeout(self.resolver.timeout * (self.resolver.retries + 1)):
                reader, writer = await asyncio.open_connection(self.resolver.host, self.resolver.port)
                try:
                    writer.write(struct.pack(">H", len(message)) + message)
                    await writer.drain()
                    length = struct.unpack(">H", await reader.readexactly(2))[0]
                    data = await reader.readexactly(length)
                finally:
                    writer.close()
        except TimeoutError:
            self._finish(query, Outcome.TIMEOUT, detail="TCP retry after truncation timed out")
            return
        except (OSError, asyncio.IncompleteReadError) as exc:
            self._finish(query, Outcome.ERROR, detail=f"TCP retry after truncation failed: {exc}")
            return
        if data[:2] != message[:2] or data[12:12 + len(query.question)].lower() != query.question:
            self._finish(query, Outcome.ERROR, detail="TCP reply does not match the query")
            return
        self._handle_reply(query, data, via_tcp=True)
