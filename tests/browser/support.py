"""Helpers shared by the browser tests: TOTP codes, signed-in browser contexts, page checks."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from townhall.accounts.models import User

# A fixed base32 secret so a failing run can be replayed by hand with any authenticator app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user: User, secret: str = TOTP_SECRET) -> None:
    TOTP.activate(user, secret)


def totp_now(secret: str = TOTP_SECRET) -> str:
    """The current code, waiting out the last seconds of a window (allauth allows no clock drift)."""
    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 3:
        time.sleep(3)
    return totp.now()


def signed_in_client(user: User, password: str, *, totp_secret: str | None = None) -> Client:
    """Sign in through allauth's real views (password, then the authenticator code when enrolled)."""
    client = Client()
    response = client.post("/auth/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {user.email}: {response.status_code}"
    if totp_secret is not None:
        assert response["Location"].startswith("/auth/2fa/authenticate/"), response["Location"]
        response = client.post("/auth/2fa/authenticate/", {"code": totp_now(totp_secret)})
        assert response.status_code == 302, "the authenticator code was refused"
    assert "_auth_user_id" in client.session
    return client


def context_with_session(browser: Browser, client: Client, base_url: str, **context_args: object) -> BrowserContext:
    """A browser context that carries the test client's session cookie, so it is signed in as that user."""
    context = browser.new_context(**context_args)  # type: ignore[arg-type]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])
    return context


FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
    boxShadow: s.boxShadow,
  };
}"""


def focused(page: Page) -> dict[str, str] | None:
    """Describe the focused element and its focus styles (None when nothing is focused)."""
    result: dict[str, str] | None = page.evaluate(FOCUS_STYLE_JS)
    return result


def focus_is_visible(style: dict[str, str]) -> bool:
    """A focus indicator is a drawn outline (not none, not zero width, not transparent) or a box shadow."""
    transparent = style["outlineColor"] in {"transparent", "rgba(0, 0, 0, 0)"}
    outline = style["outlineStyle"] != "none" and style["outlineWidth"] not in {"0px", ""} and not transparent
    return outline or style["boxShadow"] not in {"none", ""}


def tab_to(
    page: Page, matches: Callable[[dict[str, str]], bool], *, max_presses: int = 60, backwards: bool = False
) -> dict[str, str]:
    """Press Tab (or Shift+Tab) until `matches(focused)` holds, checking focus is visible at every stop."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        page.keyboard.press(key)
        style = focused(page)
        if style is None:
            continue
        assert focus_is_visible(style), f"focus is not visible on {page.url}: {style}"
        if matches(style):
            return style
    raise AssertionError(f"{max_presses} presses of {key} never reached the wanted element on {page.url}")
