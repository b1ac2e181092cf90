# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod
WORKDIR /app

RUN groupadd --system agendo \
    && useradd --system --gid agendo --home-dir /app --shell /usr/sbin/nologin agendo

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=agendo:agendo . .
# Static files are collected into the image (whitenoise serves them); the key is for this step only.
# The translations are compiled (.po → .mo) with Babel, as `make run` does.
RUN DJANGO_SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && python scripts/messages.py compile \
    && mkdir -p media && chown agendo:agendo media

USER agendo
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
