# Espaze in a container: dependencies built in one stage, copied into a slim runtime that runs as a non-root
# user with a read-only root filesystem in mind (writes go to ESPAZE_DATA_DIR, a volume, and /tmp).
FROM python:3.11-slim AS dependencies
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt .
RUN /venv/bin/pip install -r requirements.txt \
    && find /venv -name '__pycache__' -prune -exec rm -rf {} + \
    && rm -rf /venv/lib/python3.11/site-packages/pip /venv/lib/python3.11/site-packages/setuptools

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    ESPAZE_HOST=0.0.0.0 \
    ESPAZE_PORT=8080 \
    ESPAZE_DATA_DIR=/data \
    ESPAZE_LOG_FORMAT=json
COPY --from=dependencies /venv /venv
WORKDIR /app
COPY app.py agent.py backup.py config.py config_cluster.py jobs.py ./
COPY bootstrap ./bootstrap
COPY api ./api
COPY models ./models
COPY runtime ./runtime
COPY web ./web
COPY pages ./pages
COPY repositories ./repositories
COPY services ./services
COPY sandbox ./sandbox
COPY assets ./assets
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin espaze \
    && mkdir -p /data && chown espaze:espaze /data
USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["python", "app.py"]
