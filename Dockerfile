# brandbot: the Slack bot, CPU inference, no network needed at run time.
#   docker build -t brandbot .
#   docker run --env-file .env -v brandbot-data:/data brandbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # CPU-only torch wheels (constraints.txt pins the version)
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    # the SQLite file (a relative BRANDBOT_DB_PATH) lives in the volume
    BRANDBOT_DATA_DIR=/data \
    BRANDBOT_GUIDE=/app/examples/brand-guide.yaml \
    PORT=3000

# Hunspell en_US (and en_GB, for guides that choose it) for the brand guide's spell-check
RUN apt-get update && apt-get install -y --no-install-recommends hunspell-en-us hunspell-en-gb \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 brandbot && mkdir -p /data && chown brandbot /data
WORKDIR /app

COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY analyzers ./analyzers
COPY bot ./bot
COPY examples ./examples
RUN pip install -c constraints.txt . && pip check

USER brandbot
# Load the guide and every model once and review a sample draft: a broken model install fails
# the build, and nothing is fetched when the container runs.
RUN brandbot warmup

VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1

CMD ["brandbot", "serve"]
