"""Logging set-up: LOG_FORMAT=text (readable lines, the default) or json (one JSON object per line, by
python-json-logger), and the access log (ACCESS_LOG, on by default). docs/operating.md shows both.

In json mode every record carries the request id of the request it was written in, and each answered
request is one `app.access` record (request id, method, route template, path, status, duration and
database time in ms, client); uvicorn's own access line is then off, so a request is logged once.
"""

import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from app.errors import request_id
from app.settings import Settings

access_log = logging.getLogger("app.access")

TEXT_FORMAT = "%(levelname)s:     [%(name)s] %(message)s"
JSON_FIELDS = ["timestamp", "levelname", "name", "message"]


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (of the request being answered, else None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def json_formatter() -> JsonFormatter:
    """One JSON object per record: time (ISO 8601), level, logger, message and every `extra` field."""
    return JsonFormatter(
        JSON_FIELDS,
        timestamp=True,
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's coloured copy of the message
    )


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's `log_config`: its default in text mode; in json mode every logger (uvicorn's, the app's,
    the root) writes JSON to stderr."""
    from uvicorn.config import LOGGING_CONFIG

    if settings.log_format == "text":
        return LOGGING_CONFIG
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["json"], "level": "INFO"},
    }


def uvicorn_access_log(settings: Settings) -> bool:
    """Whether uvicorn writes its own access line: in text mode when ACCESS_LOG is on (json mode has app.access)."""
    return settings.access_log and settings.log_format == "text"


def log_to_stderr(settings: Settings) -> None:
    """Let the app's INFO lines (an error answer and its request id) reach stderr when nothing else is set
    up (the app built without uvicorn's logging, e.g. by tests): text or JSON as LOG_FORMAT says."""
    app_log = logging.getLogger("app")
    if logging.getLogger().handlers or app_log.handlers:
        return
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(json_formatter())
        handler.addFilter(RequestIdFilter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    app_log.addHandler(handler)
    app_log.setLevel(logging.INFO)


def log_access(
    method: str, route: str, path: str, status: int, seconds: float, database_seconds: float, client: str | None
) -> None:
    """The `app.access` record of one answered request (json mode); WARNING for a 5xx, else INFO."""
    access_log.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %d",
        method,
        path,
        status,
        extra={
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "database_ms": round(database_seconds * 1000, 3),
            "client": client,
        },
    )
