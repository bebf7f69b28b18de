# Espaze in a container: non-root, data under /data, listening on all interfaces inside the container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ESPAZE_HOST=0.0.0.0 \
    ESPAZE_PORT=8080 \
    ESPAZE_DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install --disable-pip-version-check -r requirements.txt

COPY app.py agent.py child_process.py client_address.py config.py embedded_db.py errors.py http_middleware.py jobs.py \
     log_redaction.py models.py security_headers.py ./
COPY api ./api
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
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["python", "app.py"]
