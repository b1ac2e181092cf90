#!/usr/bin/env bash
# `make run`: the whole product (web, Celery worker and beat) with the two demo businesses:
# demo.<BASE_DOMAIN> in English and barbearia.<BASE_DOMAIN> in pt-BR (seed_demo prints their URLs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# shellcheck source=scripts/services.sh
. scripts/services.sh
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
mkdir -p .local  # beat keeps its schedule there
if [ -z "${DEMO_PASSWORD:-}" ]; then  # one random demo password per checkout, reused
  [ -s .local/demo_password ] ||
    python3 -c 'import secrets; print(secrets.token_urlsafe(9))' >.local/demo_password
  DEMO_PASSWORD=$(cat .local/demo_password)
fi
export DEMO_PASSWORD
.venv/bin/python manage.py migrate_schemas --noinput -v 0
.venv/bin/python manage.py base_schema -v 0  # the template new businesses are cloned from
# Not PORT: honcho gives every process its own PORT.
export WEB_PORT="${WEB_PORT:-8000}"
.venv/bin/python manage.py seed_demo --port "$WEB_PORT"
# The demo sends WhatsApp messages to the local fake Cloud API (Procfile's `whatsapp`), unless
# a real account is configured.
export FAKE_WHATSAPP_PORT="${FAKE_WHATSAPP_PORT:-8099}"
if [ -z "${WHATSAPP_ACCESS_TOKEN:-}" ]; then
  export WHATSAPP_API_BASE_URL="http://127.0.0.1:$FAKE_WHATSAPP_PORT"
  export WHATSAPP_PHONE_NUMBER_ID="demo-number" WHATSAPP_ACCESS_TOKEN="demo-token"
  # The fake reports sent → delivered → read to our webhook, signed with the app secret, so the
  # messages log shows them arrive. Its events are routed to each demo by the schema our send puts
  # in biz_opaque_callback_data (and by the contact the send records for "demo-number").
  if [ -z "${WHATSAPP_APP_SECRET:-}" ]; then  # one random demo secret per checkout, reused
    [ -s .local/whatsapp_app_secret ] ||
      python3 -c 'import secrets; print(secrets.token_hex(16))' >.local/whatsapp_app_secret
    WHATSAPP_APP_SECRET=$(cat .local/whatsapp_app_secret)
  fi
  export WHATSAPP_APP_SECRET WHATSAPP_VERIFY_TOKEN="${WHATSAPP_VERIFY_TOKEN:-demo-verify-token}"
  # The webhook answers on the platform host only: connect to 127.0.0.1, name BASE_DOMAIN.
  export FAKE_WHATSAPP_WEBHOOK_URL="http://127.0.0.1:$WEB_PORT/webhooks/whatsapp/"
  export FAKE_WHATSAPP_WEBHOOK_HOST="${BASE_DOMAIN:-localhost}:$WEB_PORT"
fi
# -e /dev/null: honcho would let .env override the URLs services.sh exported (it loaded .env already).
exec .venv/bin/honcho start -f Procfile -e /dev/null
