"""A minimal browser for tests that talk to a real server process (gunicorn) over HTTP."""

import re
from http.client import HTTPConnection
from urllib.parse import urlencode


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
