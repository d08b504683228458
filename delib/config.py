"""Safe defaults. Secrets come from instance/config.py or DELIB_* environment variables."""


class Defaults:
    SQLALCHEMY_DATABASE_URI = "sqlite:///delib.sqlite"  # resolved inside the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False

    # Note pages stay open all day: a CSRF token must live as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    # Referer checks break behind proxies that strip it; the token itself is the protection.
    WTF_CSRF_SSL_STRICT = False

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    # The session lasts from sign-in; re-signing the cookie on every poll (every few seconds for
    # every participant) would cost each request a Set-Cookie for nothing.
    SESSION_REFRESH_EACH_REQUEST = False
    #: Set DELIB_SESSION_COOKIE_SECURE=true (and DELIB_REMEMBER_COOKIE_SECURE=true) when served
    #: over https, so the cookies never travel in clear text. See docs/security.md.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    #: Number of reverse proxies in front of the app (nginx, a load balancer). When > 0 the app
    #: trusts that many X-Forwarded-For/-Proto/-Host hops (werkzeug ProxyFix), so rate limits
    #: count real client addresses and https is recognised. Never set it without a proxy.
    TRUSTED_PROXIES = 0

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    #: Longest note a participant may post, in characters.
    NOTE_MAX_LENGTH = 4000
    #: How often the break screen asks for new notes, in seconds. Poll load is linear in it; the
    #: break-spike benchmark (bench/run.py) polls at this interval too.
    NOTES_POLL_SECONDS = 5
    #: A poll asks for the notes changed since its last answer, minus this overlap: a note saved
    #: in a transaction that began before another's commit still reaches everyone (PostgreSQL).
    NOTES_POLL_OVERLAP_SECONDS = 10
    #: Above this many changes a poll gets the whole list instead of the changes.
    NOTES_POLL_MAX_CHANGES = 40

    #: How long an invitation or password set-up link works, in seconds (72 hours).
    PASSWORD_LINK_MAX_AGE = 72 * 3600
    #: The public address (https://delib.example.dk): every absolute link that leaves the app
    #: (invitations, password links, join links) is built from it, never from the request's Host
    #: header. Required in production (https cookies or a proxy in front); elsewhere it defaults
    #: to DEVELOPMENT_BASE_URL. See docs/deployment.md.
    BASE_URL: str | None = None
    #: Host names the app answers (Flask checks the Host header against them, port ignored);
    #: None derives them from BASE_URL, plus localhost outside production.
    TRUSTED_HOSTS: list[str] | None = None
    #: Days after an event before `flask purge-personal-data` may remove its personal data.
    RETENTION_DAYS = 180

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False

    #: The programme loaded by `flask load-programme` without arguments.
    DEFAULT_PROGRAMME = "butm2021.toml"


#: BASE_URL when none is configured outside production: the dev server's address (`make run`).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: Host names every non-production app answers besides BASE_URL's (the test client, `make serve`).
LOCAL_HOSTS = ("localhost", "127.0.0.1")
