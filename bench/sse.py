"""A cheap load driver for the break screen's stream: thousands of text/event-stream connections
on one asyncio loop, each a raw socket with a small protocol object (no thread, no HTTP library
per connection), as `make bench` needs to hold 10,000 of them next to the server on 2 cores.

Each connection parses the events as a browser's EventSource would (`event:`, `id:`, `data:`,
`: comment` lines, a blank line ends an event), counts heartbeats, and reports every note card it
sees for the first time (by the bench's marker in the note's text) with the time it arrived.
"""

from __future__ import annotations

import asyncio
import re
import resource
import time
from dataclasses import dataclass, field

#: The bench's notes carry "(punkt N)" with N >= MARKER_BASE, so the cards a stream brings can
#: be told apart from the notes the committee started with.
MARKER_BASE = 1_000_000
_MARKER = re.compile(rb"punkt (\d{7,})")


def raise_file_limit(wanted: int) -> int:
    """The open-files soft limit raised towards `wanted`, as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class StreamStats:
    """What all streams of one run saw."""

    opened: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # status or error -> count
    dropped: int = 0          # closed by the server or the network while held
    ended: int = 0            # `event: end` (access ended)
    heartbeats: int = 0
    events: int = 0           # `notes` events
    other_events: int = 0
    bytes: int = 0
    #: (marker, connection key, arrival time) for each card's first arrival on a connection.
    arrivals: list[tuple[int, object, float]] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1


class _Stream(asyncio.Protocol):
    """One open stream: HTTP/1.0 (no chunking: the body is the event stream until close)."""

    __slots__ = ("key", "request", "stats", "ready", "transport", "buffer", "head_done",
                 "seen", "closing")

    def __init__(self, key, request: bytes, stats: StreamStats, ready: asyncio.Future):
        self.key, self.request, self.stats, self.ready = key, request, stats, ready
        self.transport = None
        self.buffer = b""
        self.head_done = False
        self.seen: set[int] = set()
        self.closing = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes):
        self.stats.bytes += len(data)
        self.buffer += data
        if not self.head_done:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            status = int(head.split(b" ", 2)[1])
            if status != 200 or b"text/event-stream" not in head.lower():
                self.stats.refuse(f"HTTP {status}")
                self.closing = True
                self.transport.close()
                if not self.ready.done():
                    self.ready.set_result(False)
                return
            self.head_done = True
            self.stats.opened += 1
            if not self.ready.done():
                self.ready.set_result(True)
            self.buffer = rest
        if b"\n\n" not in self.buffer:
            return
        *events, self.buffer = self.buffer.replace(b"\r\n", b"\n").split(b"\n\n")
        now = time.perf_counter()
        for event in events:
            self._event(event, now)

    def _event(self, raw: bytes, now: float):
        kind = b"message"
        has_data = False
        for line in raw.split(b"\n"):
            if line.startswith(b":"):
                if line[1:].strip() == b"hb":
                    self.stats.heartbeats += 1
            elif line.startswith(b"event:"):
                kind = line[6:].strip()
            elif line.startswith(b"data:"):
                has_data = True
        if kind == b"notes":
            self.stats.events += 1
            for found in _MARKER.finditer(raw):
                marker = int(found.group(1))
                if marker not in self.seen:
                    self.seen.add(marker)
                    self.stats.arrivals.append((marker, self.key, now))
        elif kind == b"end":
            self.stats.ended += 1
        elif has_data:
            self.stats.other_events += 1

    def connection_lost(self, exc):
        if not self.ready.done():
            self.stats.refuse(type(exc).__name__ if exc else "closed before answering")
            self.ready.set_result(False)
        elif self.head_done and not self.closing:
            self.stats.dropped += 1

    def close(self):
        self.closing = True
        if self.transport is not None:
            self.transport.close()


class StreamCrowd:
    """Many open streams to one server."""

    def __init__(self, port: int, cookie_name: str, user_agent: str):
        self.port, self.cookie_name, self.user_agent = port, cookie_name, user_agent
        self.stats = StreamStats()
        self.streams: list[_Stream] = []

    async def open(self, items, concurrency: int = 200, timeout: float = 60) -> float:
        """Open one stream per (key, path, cookie) in `items`, `concurrency` connects at a time;
        returns the seconds it took until every one was answered (or refused)."""
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(concurrency)
        started = time.perf_counter()

        async def one(key, path, cookie):
            request = (f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{self.port}\r\n"
                       f"User-Agent: {self.user_agent}\r\nAccept: text/event-stream\r\n"
                       f"Cookie: {self.cookie_name}={cookie}\r\n\r\n").encode()
            async with gate:
                ready = loop.create_future()
                stream = _Stream(key, request, self.stats, ready)
                try:
                    await loop.create_connection(lambda: stream, "127.0.0.1", self.port)
                    await asyncio.wait_for(asyncio.shield(ready), timeout)
                except (OSError, TimeoutError) as error:
                    self.stats.refuse(type(error).__name__)
                    stream.close()
                    return
                self.streams.append(stream)

        await asyncio.gather(*(one(*item) for item in items))
        return time.perf_counter() - started

    @property
    def held(self) -> int:
        """Streams open now (answered 200 and not closed since)."""
        return sum(1 for s in self.streams
                   if s.head_done and s.transport is not None and not s.transport.is_closing())

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
        self.streams.clear()
