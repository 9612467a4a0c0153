# syntax=docker/dockerfile:1
# The Discord bot: `docker build -t ivkb-bot . && docker run -e DISCORD_TOKEN=... -v ivkb-data:/data ivkb-bot`
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_DB=/data/queries.sqlite3

WORKDIR /app

# Dependencies first, so a knowledge-only change rebuilds one thin layer.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
 && mkdir -p /data \
 && chown bot:bot /data

# The curated knowledge base; mount your own over /app/knowledge to change it without a rebuild.
COPY knowledge ./knowledge

USER bot
VOLUME ["/data"]

# Fail the build early if the shipped knowledge base does not validate.
RUN python -m bot kb validate

CMD ["python", "-m", "bot", "run"]
