"""Configuration read from the environment (COLLAB_*, DATABASE_URL, REDIS_URL)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def instance_path_from_env() -> Path:
    return Path(os.environ.get("COLLAB_INSTANCE_PATH", "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """COLLAB_SECRET_KEY, else a key generated once into instance/secret_key."""
    key = os.environ.get("COLLAB_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Let people write postgresql:// and get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production defaults; every value can come from the environment."""

    TESTING = False

    def __init__(self, instance: Path | None = None):
        instance = instance or instance_path_from_env()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'collab.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or self.REDIS_URL
        # The Redis pub/sub channel the server processes of one site share (sites sharing a Redis
        # need different channels: pub/sub ignores database numbers).
        self.SOCKETIO_CHANNEL = os.environ.get("COLLAB_SOCKETIO_CHANNEL", "flask-socketio")
        self.SEARCH_INDEX_PATH = os.environ.get("COLLAB_SEARCH_INDEX") or str(instance / "index")
        # "thread": index in this process; "external": a `collab indexer` process does it.
        self.SEARCH_INDEXER = os.environ.get("COLLAB_SEARCH_INDEXER", "thread")
        self.UPLOAD_PATH = os.environ.get("COLLAB_UPLOAD_PATH") or str(instance / "uploads")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("COLLAB_MAX_UPLOAD_MB", "16")) * 1024 * 1024
        self.AVATAR_MAX_BYTES = int(os.environ.get("COLLAB_AVATAR_MAX_KB", "4096")) * 1024
        # One uploaded file (attachments, images in posts); the request limit above caps a whole form.
        self.FILE_MAX_BYTES = int(os.environ.get("COLLAB_FILE_MAX_MB", "10")) * 1024 * 1024
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("COLLAB_SECURE_COOKIES")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
        # Proxies in front that set X-Forwarded-For and X-Forwarded-Proto (nginx: 1). Behind one,
        # every request comes from the proxy's address: the per-address limits (sign-in) would be
        # one budget for the whole site. 0 trusts no such header (they are easy to forge).
        self.TRUSTED_PROXIES = int(os.environ.get("COLLAB_TRUSTED_PROXIES", "0"))
        self.RATELIMIT_ENABLED = _bool("COLLAB_RATELIMIT", True)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis away (restart, failover): limits fall back to memory instead of failing requests.
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("COLLAB_LOGIN_LIMIT_ACCOUNT", "10 per 5 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("COLLAB_LOGIN_LIMIT_ADDRESS", "30 per 5 minutes")
        # Email invitations to addresses with no account, per inviting person: the site's mail
        # server is not a way to mail strangers in bulk.
        self.INVITE_EMAIL_LIMIT = os.environ.get("COLLAB_INVITE_EMAIL_LIMIT", "50 per day")
        # Messages (and edits, deletions, reactions) one person may send over chat sockets.
        self.CHAT_RATE_LIMIT = os.environ.get("COLLAB_CHAT_RATE_LIMIT", "30 per 10 seconds")
        # Wiki live co-editing: the largest Yjs update one event may carry, the updates (and the
        # cursor moves) one person may send, the quiet period after which the shared text is saved
        # as a revision, and how long a saved document is kept before it is dropped.
        self.WIKI_UPDATE_MAX_BYTES = int(os.environ.get("COLLAB_WIKI_UPDATE_MAX_BYTES", str(900_000)))
        self.WIKI_UPDATE_RATE_LIMIT = os.environ.get("COLLAB_WIKI_UPDATE_RATE_LIMIT", "300 per 10 seconds")
        self.WIKI_CURSOR_RATE_LIMIT = os.environ.get("COLLAB_WIKI_CURSOR_RATE_LIMIT", "300 per 10 seconds")
        self.WIKI_LIVE_QUIET_SECONDS = float(os.environ.get("COLLAB_WIKI_QUIET_SECONDS", "20"))
        self.WIKI_LIVE_IDLE_SECONDS = float(os.environ.get("COLLAB_WIKI_IDLE_SECONDS", "3600"))
        # "thread": this process saves quiet documents; "manual": tests call wiki.live.sweep.
        self.WIKI_LIVE_SAVER = os.environ.get("COLLAB_WIKI_LIVE_SAVER", "thread")
        self.BABEL_DEFAULT_LOCALE = "en"
        self.BABEL_DEFAULT_TIMEZONE = "UTC"
        self.LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
        self.PAGE_SIZE = 24
        self.PASSWORD_HASH_METHOD = "scrypt"
        # Notification email (SMTP). No host: nothing is mailed (in-app notifications still work).
        self.SMTP_HOST = os.environ.get("COLLAB_SMTP_HOST") or None
        self.SMTP_PORT = int(os.environ.get("COLLAB_SMTP_PORT") or 25)
        self.SMTP_USER = os.environ.get("COLLAB_SMTP_USER") or None
        self.SMTP_PASSWORD = os.environ.get("COLLAB_SMTP_PASSWORD") or None
        self.SMTP_FROM = os.environ.get("COLLAB_SMTP_FROM") or "collab@localhost"
        self.SMTP_TLS = os.environ.get("COLLAB_SMTP_TLS", "")  # "starttls", "ssl" or empty
        # "thread": the server sends mail and the daily digest; "manual": `collab send-digests` only.
        self.MAIL_SENDER = os.environ.get("COLLAB_MAIL_SENDER", "thread")
        self.DIGEST_HOUR = int(os.environ.get("COLLAB_DIGEST_HOUR", "7"))  # UTC
        # REST API (/api/v1) rate limits, per token (per address without one).
        self.API_RATE_LIMIT = os.environ.get("COLLAB_API_RATE_LIMIT", "600 per minute")
        self.API_WRITE_RATE_LIMIT = os.environ.get("COLLAB_API_WRITE_RATE_LIMIT", "120 per minute")
        # Webhooks: "thread" sends from the server process (several processes never send one
        # delivery twice); "manual": only `collab webhooks` (or tests) send.
        self.WEBHOOK_SENDER = os.environ.get("COLLAB_WEBHOOK_SENDER", "thread")
        self.WEBHOOK_TIMEOUT = float(os.environ.get("COLLAB_WEBHOOK_TIMEOUT", "5"))  # seconds per attempt
        self.WEBHOOK_RETRY_BASE = float(os.environ.get("COLLAB_WEBHOOK_RETRY_BASE", "30"))  # then x4 each time
        self.WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("COLLAB_WEBHOOK_MAX_ATTEMPTS", "6"))
        # Page views are buffered in memory and written every few seconds (0: only when asked).
        self.ANALYTICS_FLUSH_SECONDS = float(os.environ.get("COLLAB_ANALYTICS_FLUSH_SECONDS", "5"))
        self.ANALYTICS_ROLLUP_SECONDS = float(os.environ.get("COLLAB_ANALYTICS_ROLLUP_SECONDS", "60"))
        # Absolute links in email; `collab serve` fills it from its address when unset.
        self.BASE_URL = os.environ.get("COLLAB_BASE_URL") or None
        # Operations (collab.ops). Logs: "json" (one object a line, with request ids) or "text".
        self.LOG_FORMAT = os.environ.get("COLLAB_LOG_FORMAT", "")
        self.LOG_LEVEL = os.environ.get("COLLAB_LOG_LEVEL", "INFO")
        # Prometheus metrics: off, "on" (/metrics on this port) or HOST:PORT (a separate listener).
        self.METRICS = os.environ.get("COLLAB_METRICS", "")
        self.METRICS_LISTEN = True  # commands other than serve/indexer never open the listener
        # /readyz answers 503 when more changes than this wait for the search indexer.
        self.READY_MAX_BACKLOG = int(os.environ.get("COLLAB_READY_MAX_BACKLOG", "1000"))


class TestConfig(Config):
    """Fresh temporary instance for one test; CSRF checked by its own tests."""

    TESTING = True

    def __init__(self, instance: Path, database_url: str | None = None):
        os.environ.setdefault("COLLAB_SECRET_KEY", "test-secret-key-not-for-production")
        super().__init__(instance)
        if database_url:
            self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
        else:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'collab.db'}"
        self.SOCKETIO_MESSAGE_QUEUE = None
        self.SEARCH_INDEXER = "manual"  # tests call collab.search.flush()
        self.MAIL_SENDER = "manual"
        self.WIKI_LIVE_SAVER = "manual"
        self.WEBHOOK_SENDER = "manual"  # tests call collab.webhooks.sender.deliver_due()
        self.ANALYTICS_FLUSH_SECONDS = 0  # tests call collab.analytics.flush() and roll_up()
        self.SMTP_HOST = None
        self.WTF_CSRF_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SERVER_NAME = None
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast for tests; production uses scrypt
