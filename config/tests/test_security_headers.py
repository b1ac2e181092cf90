"""CSP with nonces, Permissions-Policy, e-mailed links on the configured host, CSRF origins."""

import re
from pathlib import Path

from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from config.tests.test_settings import _run_with_prod_settings
from conftest import login_as

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_csp_without_eval_or_inline_scripts(alpha_client, platform_client):
    for client, path in ((alpha_client, "/"), (platform_client, "/"), (alpha_client, "/nope/")):
        response = client.get(path)
        csp = _csp(response)
        assert csp["default-src"] == ["'self'"]
        assert "'unsafe-eval'" not in csp["script-src"]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in csp["style-src-elem"]


def test_inline_scripts_run_with_the_nonce_of_their_response(platform_client):
    first = platform_client.get("/signup/")
    second = platform_client.get("/signup/")
    nonces = []
    for response in (first, second):
        html = response.content.decode()
        found = re.findall(r"<script nonce=\"([^\"]+)\">", html)
        assert found, "the sign-up page's inline script lost its nonce"
        assert f"'nonce-{found[0]}'" in _csp(response)["script-src"]
        nonces.append(found[0])
    assert nonces[0] != nonces[1]  # a fresh nonce per response


def test_htmx_is_configured_without_eval_or_injected_styles(alpha_client):
    html = alpha_client.get("/").content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html


def test_no_template_has_an_inline_handler_or_a_script_without_nonce():
    # An onclick="" or a bare <script> is blocked by the CSP: the page would silently break.
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    # JSON data (<script type="application/json">) is never executed: the CSP lets it be.
    bare_script = re.compile(
        r"<script(?![^>]*\b(src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
    )
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if handler.search(text) or bare_script.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_permissions_policy_turns_off_features_we_do_not_use(alpha_client):
    policy = alpha_client.get("/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def test_reset_link_uses_the_configured_host_and_port_not_the_requests(
    tenant_alpha, settings, mailoutbox
):
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = "8443"
    with schema_context("alpha"):
        OwnerFactory(email="porter@example.com")
    from django.test import Client

    client = Client(HTTP_HOST="alpha.localhost:6666")
    response = client.post("/accounts/password/reset/", {"email": "porter@example.com"})
    assert response.status_code in (200, 302)
    body = mailoutbox[-1].body
    assert "https://alpha.localhost:8443/accounts/password/reset/key/" in body
    assert ":6666" not in body


def test_invitation_link_uses_the_configured_host_and_port(
    tenant_alpha, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = ""
    with schema_context("alpha"):
        owner = OwnerFactory()
    from django.test import Client

    client = login_as(Client(HTTP_HOST="alpha.localhost:6666"), owner, "alpha")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/app/team/invite/",
            {"email": "newbie@example.com", "full_name": "New", "role": "staff"},
        )
    assert response["Location"] == "/app/team/"
    body = mailoutbox[-1].body
    assert "https://alpha.localhost/" in body
    assert ":6666" not in body


def test_production_trusts_no_other_origin_for_csrf_by_default():
    script = "from django.conf import settings; print(repr(settings.CSRF_TRUSTED_ORIGINS))"
    result = _run_with_prod_settings("shell", "-v", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_one_business_origin_cannot_post_to_another_host_in_production(tenant_alpha, settings):
    # What a wildcard https://*.BASE_DOMAIN allowed: beta's origin posting on alpha's host.
    from django.test import Client

    settings.CSRF_TRUSTED_ORIGINS = []
    client = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"login": "x@example.com", "password": "nope", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://beta.localhost",
    )
    assert response.status_code == 403


def test_production_sends_the_csp_and_permissions_policy_and_starts_sentry_with_a_dsn():
    import json
    import os
    import subprocess
    import sys

    from config.tests.test_settings import REPO_ROOT

    script = (
        "import json, sentry_sdk; from django.conf import settings; "
        "print(json.dumps([settings.MIDDLEWARE, "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'][0], "
        "sentry_sdk.is_initialized()]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "x" * 60,
        "SENTRY_DSN": "https://public@sentry.example.invalid/1",
    }
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    middleware, script_src, sentry_on = json.loads(result.stdout.strip().splitlines()[-1])
    assert "csp.middleware.CSPMiddleware" in middleware
    assert "config.headers.PermissionsPolicyMiddleware" in middleware
    assert script_src == "'self'"
    assert sentry_on is True
