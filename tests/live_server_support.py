"""A real server process (gunicorn) for tests, and a minimal browser that talks to it."""

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pytest


@contextmanager
def gunicorn(args: list[str], env: dict, log_path: Path, ready, timeout: float = 90):
    """gunicorn with these arguments in its own process group, until `ready()` is true (an
    OSError while it starts counts as not yet); stopped, with every worker, on the way out."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *args], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready():
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("gunicorn did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


class Browser:
    """Keeps the session cookie, never follows redirects; one connection per request (as after
    a dropped Wi-Fi). The last answer's headers are in `response`."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.response = None

    def request(self, method, path, form=None, headers=None, timeout=30) -> tuple[int, str]:
        """(status, text) of one request."""
        conn = HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        head = dict(headers or {})
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=head)
            self.response = conn.getresponse()
            text = self.response.read().decode("utf-8")
        finally:
            conn.close()
        for name, value in self.response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return self.response.status, text


def hidden_value(html: str, name: str) -> str:
    """The value of the form field `name` in a page."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


#: A WSGI wrapper that names the worker process in every answer (X-Worker-Pid), so a test can
#: show that several workers served it: written to a file and served as pidapp:application.
PID_APP = '''
import os
from delib import create_app

app = create_app()


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, headers + [("X-Worker-Pid", str(os.getpid()))], exc_info)
    return app(environ, start)
'''


def join(port: int, committee, name: str) -> "Browser":
    """A participant joining a live server with the committee's code, as a browser does."""
    browser = Browser(port)
    status, page = browser.request("GET", f"/deltag/{committee.join_code}")
    assert status == 200
    status, _t = browser.request("POST", "/deltag", form={
        "csrf_token": hidden_value(page, "csrf_token"), "code": committee.join_code,
        "display_name": name,
    })
    assert status == 302, f"join as {name} failed ({status})"
    return browser


class EventStream:
    """An open text/event-stream answer, read event by event as a browser's EventSource does
    (a blank line ends an event; `: comment` lines are heartbeats). Close it when done."""

    def __init__(self, browser: Browser, path: str, timeout: float = 20, headers=None):
        self.conn = HTTPConnection("127.0.0.1", browser.port, timeout=timeout)
        head = {"Accept": "text/event-stream", **(headers or {})}
        if browser.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        self.conn.request("GET", path, headers=head)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type", "")

    def next_event(self) -> dict:
        """The next event: {"event", "id", "data", "comments"}; raises TimeoutError (socket
        timeout) if none comes, EOFError if the server closed the stream."""
        event = {"event": "message", "id": None, "data": [], "comments": []}
        seen = False
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("the server closed the stream")
            line = line.decode("utf-8").rstrip("\r\n")
            if not line:
                if seen:
                    event["data"] = "\n".join(event["data"])
                    return event
                continue
            seen = True
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "":
                event["comments"].append(value)
            elif field == "data":
                event["data"].append(value)
            elif field in ("event", "id", "retry"):
                event[field] = value

    def wait_for(self, predicate, seconds: float) -> dict:
        """The first event for which predicate(event) is true within `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            event = self.next_event()
            if predicate(event):
                return event
        pytest.fail(f"no matching event within {seconds} s")

    def close(self) -> None:
        self.conn.close()
