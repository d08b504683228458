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

    #: Server push (delib/stream.py). The origin the browser opens the break's stream on
    #: (http://host:port); empty: the page's own origin (nginx routes the stream path).
    STREAM_URL = ""
    #: How often each stream process asks the database what changed (one query for all its
    #: streams): the delay a note may wait before it is pushed.
    STREAM_TICK_SECONDS = 0.25
    #: A comment line this often keeps an idle stream open through proxies.
    STREAM_HEARTBEAT_SECONDS = 15
    #: A stream closes after this long; the browser reconnects (access is checked again).
    STREAM_MAX_SECONDS = 900
    #: Each tick reads the changes since the last one minus this: a note whose transaction
    #: committed after a later one's still reaches everyone (deduplicated, pushed once).
    STREAM_OVERLAP_SECONDS = 3

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
    #: Who answers about accessibility: the statement (/tilgaengelighed) must name a contact by
    #: phone and in writing. Set them to the team that answers (docs/deployment.md); the
    #: defaults are KL's switchboard and general mailbox.
    ACCESSIBILITY_CONTACT_EMAIL = "kl@kl.dk"
    ACCESSIBILITY_CONTACT_PHONE = "33 70 33 70"

    #: Flask-Limiter's storage: memory:// counts per process; production shares the counts of
    #: every worker and server with DELIB_RATELIMIT_STORAGE_URI=redis://... (docs/security.md).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    #: If Redis goes away, each process limits in its own memory until it is back, rather than
    #: answering every join and sign-in with an error.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: Wrong join codes (see the join view in delib/blueprints/auth.py for why these numbers):
    #: the same code from one address; all codes from one address, far above what a venue's
    #: mistypes reach; all addresses together.
    JOIN_LIMIT_PER_CODE = "10 per minute; 30 per hour"
    JOIN_LIMIT_PER_ADDRESS = "200 per minute; 2000 per day"
    JOIN_LIMIT_GLOBAL = "2000 per minute"
    #: Notes one person may save in a window, counted in the database at each post, so it holds
    #: across workers and servers (delib/services/notes post_note).
    NOTES_RATE_LIMIT = "30 per minute"

    #: The programme loaded by `flask load-programme` without arguments.
    DEFAULT_PROGRAMME = "butm2021.toml"


#: BASE_URL when none is configured outside production: the dev server's address (`make run`).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: Host names every non-production app answers besides BASE_URL's (the test client, `make serve`).
LOCAL_HOSTS = ("localhost", "127.0.0.1")
