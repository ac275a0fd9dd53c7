# syntax=docker/dockerfile:1
# Production image of the HebTT portal. One image runs every role of docker-compose.yml:
# the web server (default CMD), the Celery worker, Celery beat and the one-shot migrate job.
# Docker is not available on the developers' machines: tests/test_compose.py checks this file.

# Stage 1: the front-end libraries (Bootstrap, Bootstrap Icons, htmx, ECharts), exactly as locked.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# Stage 2: the Django application.
FROM python:3.11-slim AS app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /app

RUN groupadd --system --gid 1000 hebtt \
 && useradd --system --uid 1000 --gid hebtt --home-dir /app --no-create-home --shell /usr/sbin/nologin hebtt

# Runtime dependencies only (requirements-dev.txt adds the test tools; it is not installed here).
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
COPY --from=assets /build/node_modules ./node_modules

# Hashed, compressed static files served by WhiteNoise (set before collectstatic so it builds the manifest).
ENV STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
    MEDIA_ROOT=/data/media \
    PRIVATE_STORAGE_ROOT=/data/private

# Settings need DATABASE_URL and REDIS_URL to import (unset, they would start embedded servers);
# importing the settings never connects, so dummy values are enough for these build steps.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    sh -c 'python manage.py collectstatic --noinput && python manage.py compile_translations' \
 && python -m compileall -q hebtt apps \
 && mkdir -p /data/media /data/private \
 && chown -R hebtt:hebtt /data

USER hebtt
EXPOSE 8000

# /healthz answers 200 when PostgreSQL and Redis answer. It is exempt from the HTTPS redirect, but
# not from ALLOWED_HOSTS, so the request names the first allowed host.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=8)"]

CMD ["gunicorn", "hebtt.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
