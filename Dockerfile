# The Discord bot:
#   docker build -t ivkb-bot . && docker run -d -e DISCORD_TOKEN=... -v ivkb-data:/data ivkb-bot
# Works with podman too (`podman build --format docker`, so the HEALTHCHECK is kept).
# BASE_IMAGE: any image with Python 3.11+ and the venv module, as `python` on PATH
# (CI builds on a Debian bookworm base it makes itself, with no registry; see .ci/image).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# Optional package index for the build, e.g. a mirror (pip reads both from the environment
# and ignores them when empty): `--build-arg PIP_INDEX_URL=https://...`. Empty means PyPI.
ARG PIP_INDEX_URL=""
ARG PIP_EXTRA_INDEX_URL=""

# MPLCONFIGDIR: matplotlib (the /kb stats chart) keeps its font list there, made once,
# instead of a new temporary directory and a warning in every process (HOME is read-only).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_DB=/data/queries.sqlite3 \
    BOT_CACHE_DIR=/data/cache \
    MPLCONFIGDIR=/data/cache/matplotlib

# The bot and its dependencies, installed into a virtual environment (so pip neither runs
# against the system Python nor warns about root) from a build directory that is then
# deleted: nothing but site-packages holds the `bot` package, and pip byte-compiles it
# there, so the non-root user never has to. The user and group are numeric (10001) so
# Kubernetes' runAsNonRoot can verify them.
COPY pyproject.toml README.md /build/
COPY bot /build/bot
RUN python -m venv /opt/venv \
 && pip install /build \
 && rm -rf /build \
 && groupadd --gid 10001 bot \
 && useradd --uid 10001 --gid 10001 --no-create-home --no-log-init --home-dir /app \
      --shell /usr/sbin/nologin bot \
 && mkdir -p /data \
 && chown 10001:10001 /data

# The curated knowledge base; mount your own over /app/knowledge to change it without a
# rebuild. Kept after the install so a knowledge-only change rebuilds one thin layer.
WORKDIR /app
COPY knowledge ./knowledge

USER 10001:10001
VOLUME ["/data"]

# Fail the build early if the shipped knowledge base does not validate.
RUN python -m bot kb validate

# Healthy while the interpreter starts and, when BOT_METRICS_PORT is set, the bot answers
# GET /healthz on it (a non-2xx answer or no answer raises, and the exit code is 1).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('BOT_METRICS_PORT'); port and urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=5)"]

CMD ["python", "-m", "bot", "run"]
