# The catalog API. Expects DATABASE_URL (see docker-compose.yml); it migrates, loads the demo
# data into an empty database and serves on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/catalog
# The versions pinned in uv.lock (no dev extra); uv itself pinned like in scripts/setup.
RUN pip install uv==0.13.9
ENV UV_PROJECT_ENVIRONMENT=/srv/catalog/.venv UV_PYTHON_DOWNLOADS=never PATH=/srv/catalog/.venv/bin:$PATH
COPY pyproject.toml uv.lock README.md ./
COPY app ./app
COPY queries ./queries
COPY schema ./schema
# Editable (uv's default for the project): the app reads queries/ and schema/ from beside its package.
RUN uv sync --frozen --no-cache

RUN useradd --system --no-create-home catalog
USER catalog

ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"
# WEB_CONCURRENCY=N serves with N worker processes, their pools sized to the server's max_connections
# (README "Workers and PgBouncer").
CMD ["catalog", "serve"]
