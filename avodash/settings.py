"""avodash settings.

Every setting comes from the environment (or an uncommitted `.env` file) through
django-environ and has an embedded default, so `make run` needs no configuration:
no AVOCHATO_API_URL means "use the embedded sandbox", SQLite and the local-memory cache
hold the dashboard's own state. Production sets AVOCHATO_API_URL, credentials,
DATABASE_URL (PostgreSQL), CACHE_URL (Redis), SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# --- Avochato ----------------------------------------------------------------------
# Unset = the embedded sandbox (started by `make run` on SANDBOX_PORT, by tests on a free port).
AVOCHATO_API_URL: str = env.str("AVOCHATO_API_URL", default="").rstrip("/")
AVOCHATO_SANDBOX: bool = not AVOCHATO_API_URL
SANDBOX_PORT: int = env.int("SANDBOX_PORT", default=8001)
if AVOCHATO_SANDBOX:
    AVOCHATO_API_URL = f"http://127.0.0.1:{SANDBOX_PORT}"
AVOCHATO_AUTH_ID: str = env.str("AVOCHATO_AUTH_ID", default="sandbox")
AVOCHATO_AUTH_SECRET: str = env.str("AVOCHATO_AUTH_SECRET", default="sandbox-secret")
AVOCHATO_TIMEOUT: float = env.float("AVOCHATO_TIMEOUT", default=10.0)
# Seconds a page may spend waiting on the API, all its calls, timeouts and retries included.
AVOCHATO_PAGE_BUDGET: float = env.float("AVOCHATO_PAGE_BUDGET", default=15.0)
# The local directory of users (avodash.domain.directory): how often the background worker lists
# each inbox (who joined or left), and the time within which every member's details are re-read.
DIRECTORY_LIST_SECONDS: float = env.float("DIRECTORY_LIST_SECONDS", default=60.0)
DIRECTORY_REFRESH_SECONDS: float = env.float("DIRECTORY_REFRESH_SECONDS", default=900.0)
DIRECTORY_ACCOUNTS_SECONDS: float = env.float("DIRECTORY_ACCOUNTS_SECONDS", default=300.0)
DIRECTORY_FIRST_FILL_SECONDS: float = env.float("DIRECTORY_FIRST_FILL_SECONDS", default=3.0)
# Lifecycle jobs (team.jobs): a running job whose runner has not beaten its heartbeat for this
# many seconds is orphaned (its worker died) and a worker takes it up again by itself.
TEAM_JOB_LEASE: float = env.float("TEAM_JOB_LEASE", default=30.0)
# Requests per second per credential the whole deployment allows itself (a moving window,
# shared through Redis when the cache is Redis); the API allows 20. Background work (jobs,
# directory sync) may use this share of it, and only while pages leave the rest free.
AVOCHATO_RATE_LIMIT: float = env.float("AVOCHATO_RATE_LIMIT", default=18.0)
AVOCHATO_BACKGROUND_SHARE: float = env.float("AVOCHATO_BACKGROUND_SHARE", default=0.25)
# ... but background work is always given this many requests per second (pages take the rest),
# so a steady stream of pages cannot starve the directory sync. 0: background only takes leftovers.
AVOCHATO_BACKGROUND_MIN_SHARE: float = env.float("AVOCHATO_BACKGROUND_MIN_SHARE", default=2.0)
if AVOCHATO_RATE_LIMIT < 1 or not 0 < AVOCHATO_BACKGROUND_SHARE <= 1:
    raise ImproperlyConfigured(
        "AVOCHATO_RATE_LIMIT must be at least 1 and AVOCHATO_BACKGROUND_SHARE between 0 and 1."
    )
if not 0 <= AVOCHATO_BACKGROUND_MIN_SHARE <= AVOCHATO_RATE_LIMIT * AVOCHATO_BACKGROUND_SHARE:
    raise ImproperlyConfigured(
        "AVOCHATO_BACKGROUND_MIN_SHARE must be between 0 and AVOCHATO_RATE_LIMIT x AVOCHATO_BACKGROUND_SHARE."
    )
# Seconds a page may wait for the limiter, all its calls together; then it answers "Avochato is
# busy, retrying" (and retries by itself) instead of queueing silently. At most 2.
AVOCHATO_RATE_WAIT: float = env.float("AVOCHATO_RATE_WAIT", default=1.5)
if not 0 <= AVOCHATO_RATE_WAIT <= 2:
    raise ImproperlyConfigured("AVOCHATO_RATE_WAIT must be between 0 and 2 seconds.")
# A panel loaded after its page (team load, chart) may wait longer: its page is already shown.
AVOCHATO_PANEL_RATE_WAIT: float = env.float("AVOCHATO_PANEL_RATE_WAIT", default=5.0)
if not AVOCHATO_RATE_WAIT <= AVOCHATO_PANEL_RATE_WAIT <= 10:
    raise ImproperlyConfigured("AVOCHATO_PANEL_RATE_WAIT must be between AVOCHATO_RATE_WAIT and 10 seconds.")
# Identical GETs from different people share one upstream call, and its answer is kept this many
# seconds (any write to the inbox retires it at once). 0 turns sharing off.
AVOCHATO_SHARED_READ_TTL: float = env.float("AVOCHATO_SHARED_READ_TTL", default=3.0)
# How long a caller waits for the same read under way in another process before asking itself.
AVOCHATO_SHARED_READ_WAIT: float = env.float("AVOCHATO_SHARED_READ_WAIT", default=5.0)
# Overview figures shared by everyone on an inbox for a few seconds (the page says "as of"):
# the overview's ticket counts, and a contact's earlier tickets on the ticket page.
INBOX_COUNTS_SECONDS: float = env.float("INBOX_COUNTS_SECONDS", default=20.0)
# Past that, the counts are still shown (with their time) for this long while they are taken
# again in the background; 0: a page past the period waits for them.
INBOX_COUNTS_STALE_SECONDS: float = env.float("INBOX_COUNTS_STALE_SECONDS", default=60.0)
TICKET_HISTORY_SECONDS: float = env.float("TICKET_HISTORY_SECONDS", default=60.0)
if AVOCHATO_SHARED_READ_TTL < 0 or AVOCHATO_SHARED_READ_WAIT < 0:
    raise ImproperlyConfigured("AVOCHATO_SHARED_READ_TTL and AVOCHATO_SHARED_READ_WAIT must not be negative.")
_SANDBOX_PAIR = AVOCHATO_AUTH_ID == "sandbox" or AVOCHATO_AUTH_SECRET == "sandbox-secret"  # noqa: S105
_API_HOST = (urlsplit(AVOCHATO_API_URL).hostname or "").lower()
if not AVOCHATO_SANDBOX and _SANDBOX_PAIR and _API_HOST not in ("127.0.0.1", "localhost", "::1"):
    # The sandbox's own pair is fine for a standalone sandbox on this machine, never elsewhere.
    _missing = [n for n in ("AVOCHATO_AUTH_ID", "AVOCHATO_AUTH_SECRET") if not os.environ.get(n)]
    raise ImproperlyConfigured(
        f"AVOCHATO_API_URL points at {_API_HOST}: "
        + (
            f"set {' and '.join(_missing)} to the API credential."
            if _missing
            else "AVOCHATO_AUTH_ID and AVOCHATO_AUTH_SECRET are the embedded sandbox's pair; set the real credential."
        )
    )

# --- Core ----------------------------------------------------------------------------
DEBUG: bool = env.bool("DEBUG", default=AVOCHATO_SANDBOX)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development: generate once and keep it, so sessions survive a restart.
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "avodash.views.csrf_failure"

# --- Inboxes by host name (avodash/hosts.py) -------------------------------------------
# Set (e.g. dash.example.com): acme-support.dash.example.com serves that inbox's pages at plain
# paths and the bare domain the cross-inbox pages; `/i/<subdomain>/` keeps working everywhere.
# One sign-in across the hosts: the session and CSRF cookies belong to the parent domain.
INBOX_HOST_DOMAIN: str = env.str("INBOX_HOST_DOMAIN", default="").strip().strip(".").lower()
if INBOX_HOST_DOMAIN:
    if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", INBOX_HOST_DOMAIN):
        raise ImproperlyConfigured(
            "INBOX_HOST_DOMAIN must be a host name of two labels or more, like dash.example.com "
            "or avodash.localhost (browsers refuse cookies for a bare localhost)."
        )
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "." + INBOX_HOST_DOMAIN]  # the domain and every subdomain
    # Origins a form may come from (one inbox's page posting to another host's URL). Development
    # serves plain HTTP on a port (`make run`: PORT, 8000); production HTTPS on the default port.
    _ports = [f":{p}" for p in env.list("INBOX_HOST_PORTS", default=[env.str("PORT", default="8000")])]
    _origins = [f"http://{h}{p}" for h in (INBOX_HOST_DOMAIN, "*." + INBOX_HOST_DOMAIN) for p in _ports]
    CSRF_TRUSTED_ORIGINS = [
        *CSRF_TRUSTED_ORIGINS,
        f"https://{INBOX_HOST_DOMAIN}",
        f"https://*.{INBOX_HOST_DOMAIN}",
        *(_origins if DEBUG else []),
    ]
    SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = INBOX_HOST_DOMAIN

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "avodash",
    "inbox",
    "team",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "avodash.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "avodash.hosts.InboxHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "avodash.middleware.HandledErrorSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "avodash.avochato.django.PageBudgetMiddleware",
    "avodash.middleware.TimezoneMiddleware",
    "avodash.middleware.DirectoryReadsMiddleware",
    "avodash.middleware.InboxGrantMiddleware",
    "avodash.middleware.ApiErrorMiddleware",
]

# The Content-Security-Policy header; empty: avodash's own (avodash.middleware.content_security_policy).
CONTENT_SECURITY_POLICY: str = env.str("CONTENT_SECURITY_POLICY", default="")

ROOT_URLCONF = "avodash.urls"
WSGI_APPLICATION = "avodash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "avodash.context_processors.layout",
            ],
            "builtins": ["avodash.templatetags.avodash", "template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker, the sandbox thread and the server's threads share the file: wait instead of
    # failing. A transaction takes the write lock when it begins (IMMEDIATE): two that both
    # read then write would otherwise deadlock and fail at once with "database is locked".
    # WAL lets pages read while another request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://avodash")}

TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# Phones in this region are shown in national format, others internationally (avodash.domain.phones).
PHONE_REGION: str = env.str("PHONE_REGION", default="US").upper()
if PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(f"PHONE_REGION must be a country code like US or GB, not {PHONE_REGION!r}.")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security (production: DEBUG off) ------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not env.bool("SECURE_HSTS_PRELOAD", default=False) else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # 403/404 are answered with our own pages; no traceback in the console for them.
        "django.request": {"level": "ERROR"},
        # INFO logs every API call (method, URL with the secret redacted, status, time).
        "avodash.avochato": {"level": env.str("AVOCHATO_LOG_LEVEL", default="WARNING")},
    },
}

# --- Accounts: sign-in, MFA, SSO, sessions, step-up (the `accounts` app on django-allauth) ------
# Everything here has a default that needs no configuration: local username + password, no SSO,
# MFA required only for IT admins and superusers outside the sandbox (DEMO_MFA=true asks for it
# in the sandbox too). See the README, "Sign-in, MFA and single sign-on".
INSTALLED_APPS += [
    "accounts",  # before allauth: its templates override allauth's
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "allauth.account.middleware.AccountMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "accounts.middleware.SessionPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("accounts.middleware.SessionPolicyMiddleware") + 1,
    "accounts.middleware.MfaEnrolmentMiddleware",
)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = (
    True  # the session cookie lives SESSION_COOKIE_AGE, as before; the limits below apply
)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
# Login protection: LOGIN_LOCKOUT_ATTEMPTS failed sign-ins for one username lock it for
# LOGIN_LOCKOUT_SECONDS (a moving window); one address may fail LOGIN_IP_ATTEMPTS times per window.
LOGIN_LOCKOUT_ATTEMPTS: int = env.int("LOGIN_LOCKOUT_ATTEMPTS", default=10)
LOGIN_LOCKOUT_SECONDS: int = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
LOGIN_IP_ATTEMPTS: int = env.int("LOGIN_IP_ATTEMPTS", default=50)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_IP_ATTEMPTS}/{LOGIN_LOCKOUT_SECONDS}s/ip,"
    f"{LOGIN_LOCKOUT_ATTEMPTS}/{LOGIN_LOCKOUT_SECONDS}s/key",
}
# Sessions: at most SESSION_MAX_SECONDS after sign-in, SESSION_IDLE_SECONDS without a request.
SESSION_MAX_SECONDS: int = env.int("SESSION_MAX_SECONDS", default=SESSION_COOKIE_AGE)
SESSION_IDLE_SECONDS: int = env.int("SESSION_IDLE_SECONDS", default=60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# Step-up: dangerous actions ask for the password or an MFA code again when the last
# authentication is older than this.
STEP_UP_SECONDS: int = env.int("STEP_UP_SECONDS", default=600)
ACCOUNT_REAUTHENTICATION_TIMEOUT = STEP_UP_SECONDS
# MFA: TOTP + recovery codes; required (enrolment before any page) for these roles when they
# sign in locally ("superuser" = Django superusers). SSO sign-ins leave MFA to the IdP unless
# SSO_REQUIRE_MFA. In the sandbox (`make run`) nobody is forced unless DEMO_MFA=true.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]  # webauthn: security keys and passkeys
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="avodash")
MFA_REQUIRED_ROLES: list[str] = env.list("MFA_REQUIRED_ROLES", default=["IT admin", "superuser"])
DEMO_MFA: bool = env.bool("DEMO_MFA", default=False)
MFA_ENFORCED: bool = env.bool("MFA_ENFORCED", default=not AVOCHATO_SANDBOX or DEMO_MFA)
# Single sign-on (OpenID Connect): set the issuer, client id and secret to show the button.
SSO_ISSUER_URL: str = env.str("SSO_ISSUER_URL", default="").rstrip("/")
SSO_CLIENT_ID: str = env.str("SSO_CLIENT_ID", default="")
SSO_CLIENT_SECRET: str = env.str("SSO_CLIENT_SECRET", default="")
SSO_LABEL: str = env.str("SSO_LABEL", default="single sign-on")
SSO_SCOPES: list[str] = env.list("SSO_SCOPES", default=["openid", "profile", "email", "groups"])
SSO_ONLY: bool = env.bool("SSO_ONLY", default=False)  # local sign-in only for superusers
SSO_REQUIRE_MFA: bool = env.bool("SSO_REQUIRE_MFA", default=False)
SSO_GROUPS_CLAIM: str = env.str("SSO_GROUPS_CLAIM", default="groups")
SSO_ROLE_GROUPS: dict[str, str] = {
    "IT admin": env.str("SSO_GROUP_IT_ADMIN", default="avodash-it-admin"),
    "Lead": env.str("SSO_GROUP_LEAD", default="avodash-lead"),
    "Agent": env.str("SSO_GROUP_AGENT", default="avodash-agent"),
}
SSO_INBOX_GROUP_PREFIX: str = env.str("SSO_INBOX_GROUP_PREFIX", default="avodash-inbox:")
# How often a signed-in SSO user's groups are read again at the provider (userinfo).
SSO_RECHECK_SECONDS: int = env.int("SSO_RECHECK_SECONDS", default=300)
SOCIALACCOUNT_STORE_TOKENS = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": SSO_LABEL,
                "client_id": SSO_CLIENT_ID,
                "secret": SSO_CLIENT_SECRET,
                "settings": {"server_url": SSO_ISSUER_URL, "scope": SSO_SCOPES},
            }
        ]
        if SSO_ISSUER_URL and SSO_CLIENT_ID
        else [],
    }
}
# Invitations: the set-password link goes out through Django's email backend (the console
# when EMAIL_HOST is unset).
EMAIL_BACKEND: str = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST: str = env.str("EMAIL_HOST", default="")
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="avodash <avodash@localhost>")
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
TEMPLATES[0]["OPTIONS"]["context_processors"].append("accounts.context_processors.sign_in")
