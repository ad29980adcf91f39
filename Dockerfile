# Production image. One image serves the web (gunicorn), the Celery worker and Celery beat;
# docker-compose.yml picks the command. Configuration comes only from environment variables
# (see README.md), so the same image runs in every deployment.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

WORKDIR /app

# The progress reports' PDF (WeasyPrint) lays out text with Pango, and Chinese needs a CJK font:
# Debian's Pango and fonts-noto-cjk, the same fonts the tests render with.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies in a layer of their own, so that a code change does not reinstall them. The
# pinned list is read from pyproject.toml, the single place it is kept; the project itself is
# not a library and needs no install.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The application never runs as root. Static files are collected when the web container
# starts (they need the production settings); uploads live on the mounted media volume, which
# Docker creates owned by this user because the folder already is.
RUN useradd --system --user-group --home-dir /app patentnavi \
    && mkdir -p /app/staticfiles /data/media \
    && chown patentnavi:patentnavi /app/staticfiles /data/media

# Compiled translations (.mo) are committed, so the image needs no gettext.
COPY --chown=patentnavi:patentnavi . .

USER patentnavi
EXPOSE 8000

# gunicorn takes its worker count from WEB_CONCURRENCY (see docker-compose.yml).
CMD ["gunicorn", "patentnavi.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-"]
