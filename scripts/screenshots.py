"""Screenshot every page of a running Agendo (`make run`) in headless Chromium, wide and at 375 px.

Usage: .venv/bin/python scripts/screenshots.py [--base-port 8000] [--password DEMO_PASSWORD]
Writes artifacts/screenshots/<page>-<width>.png (git-ignored) for a person to look at.
"""

import argparse
import os
import secrets
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUT = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", default="8000")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", ""))
    args = parser.parse_args()
    platform = f"http://localhost:{args.port}"
    demo = f"http://demo.localhost:{args.port}"
    OUT.mkdir(parents=True, exist_ok=True)

    anonymous = {
        "landing": f"{platform}/",
        "signup": f"{platform}/signup/",
        "unknown-host": f"http://nobody.localhost:{args.port}/",
        "public-page": f"{demo}/",
        "login": f"{demo}/accounts/login/",
        "password-reset": f"{demo}/accounts/password/reset/",
        "signup-closed": f"{demo}/accounts/signup/",
    }
    staff_pages = {
        "dashboard": f"{demo}/app/",
        "team": f"{demo}/app/team/",
        "password-change": f"{demo}/accounts/password/change/",
        "sessions": f"{demo}/accounts/sessions/",
        "settings": f"{demo}/app/settings/",
        "hours": f"{demo}/app/hours/",
        "time-off": f"{demo}/app/time-off/",
        "categories": f"{demo}/app/categories/",
        "resources": f"{demo}/app/resources/",
        "resource-form": f"{demo}/app/resources/new/",
        "services": f"{demo}/app/services/",
        "service-form": f"{demo}/app/services/new/",
        "calendar": f"{demo}/app/calendar/",
        "calendar-week": f"{demo}/app/calendar/?view=week",
        "calendar-tuesday": f"{demo}/app/calendar/?date=2026-11-24",
        "bookings": f"{demo}/app/bookings/",
        "booking-new": f"{demo}/app/bookings/new/",
        "clients": f"{demo}/app/clients/",
        "messages": f"{demo}/app/messages/",
        "channels": f"{demo}/app/settings/channels/",
        "templates": f"{demo}/app/settings/templates/",
        "template-edit": f"{demo}/app/settings/templates/reminder/whatsapp/",
    }
    # Optional: a booking reference and a client id of the demo, to see their pages too.
    if os.environ.get("SHOT_BOOKING"):
        staff_pages["booking-detail"] = f"{demo}/app/bookings/{os.environ['SHOT_BOOKING']}/"
    if os.environ.get("SHOT_CLIENT"):
        staff_pages["client-detail"] = f"{demo}/app/clients/{os.environ['SHOT_CLIENT']}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height in ((1280, 900), (375, 812)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            for name, url in anonymous.items():
                page.goto(url)
                page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)
            page.goto(f"{platform}/signup/")
            page.fill("#id_slug", "Bad Slug!")
            page.fill("#id_owner_password", "123")
            page.click("button[type=submit]")
            page.screenshot(path=OUT / f"signup-errors-{width}.png", full_page=True)
            # A real sign-up: the new owner must land on their own host's dashboard, logged in.
            slug = f"shot-{secrets.token_hex(3)}"
            page.goto(f"{platform}/signup/")
            page.fill("#id_name", "Screenshot Salon")
            page.fill("#id_slug", slug)
            page.fill("#id_owner_name", "Sofia Shot")
            page.fill("#id_owner_email", f"sofia@{slug}.example.com")
            page.fill("#id_owner_password", "a-long-screenshot-pass")
            page.wait_for_timeout(
                3500
            )  # a form sent faster than SIGNUP_MIN_FILL_SECONDS is refused
            page.click("button[type=submit]")
            page.wait_for_url(f"http://{slug}.localhost:{args.port}/app/")
            page.screenshot(path=OUT / f"signup-landed-{width}.png", full_page=True)
            if args.password:
                page.goto(f"{demo}/accounts/login/")
                page.fill("input[name=login]", "owner@demo.localhost")
                page.fill("input[name=password]", args.password)
                page.click("button[type=submit]")
                for name, url in staff_pages.items():
                    page.goto(url)
                    page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)
            context.close()
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
