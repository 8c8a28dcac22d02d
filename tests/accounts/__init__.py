"""Accounts tests. The helpers below read sign-in pages and emails the way a person would.

They live here (not in a test module) because the sign-in, registration, rate-limit and OIDC
tests all need them; fixtures belong in conftest.py.
"""

from __future__ import annotations

import re
from html import unescape

from django.core import mail
from django.http import HttpResponse

# allauth's codes look like "ABCD-EFGH" (letters and digits, dashed); the email puts one on its own line.
CODE_LINE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", re.MULTILINE)
RESET_LINK = re.compile(r"^(https?://\S+/auth/password/reset/key/\S+)$", re.MULTILINE)
COUNCIL = "Demo Borough Council"


def titled(page: str) -> str:
    """The <title> web/base.html gives a page: the page name, an en dash, the council name (GOV.UK style)."""
    return f"{page} \N{EN DASH} {COUNCIL}"


def html(response: HttpResponse) -> str:
    return response.content.decode()


def page_title(response: HttpResponse) -> str:
    found = re.search(r"<title>(.*?)</title>", html(response), re.DOTALL)
    assert found, "the page has no <title>"
    return unescape(" ".join(found.group(1).split()))


def main_text(response: HttpResponse) -> str:
    """The visible words inside <main>, whitespace collapsed: what the page says to the person."""
    found = re.search(r"<main\b.*?</main>", html(response), re.DOTALL)
    assert found, "the page has no <main>"
    without_tags = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", found.group(0), flags=re.DOTALL)
    return unescape(" ".join(without_tags.split()))


def error_summary_links(response: HttpResponse) -> list[tuple[str, str]]:
    """(href, message) for each entry of the GOV.UK error summary."""
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', html(response), re.DOTALL)
    assert found, "the page has no GOV.UK error summary"
    return [(href, unescape(text.strip())) for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', found.group(0))]


def assert_clean_page(response: HttpResponse) -> None:
    """A rendered page: no template variable went missing (test settings mark them)."""
    assert "INVALID_TEMPLATE_VARIABLE" not in html(response), html(response)


def last_email_to(address: str) -> mail.EmailMessage:
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, f"no email was sent to {address}; outbox: {[m.to for m in mail.outbox]}"
    return sent[-1]


def code_in(message: mail.EmailMessage) -> str:
    found = CODE_LINE.search(str(message.body))
    assert found, f"no code in the email: {message.body}"
    return found.group(1)


def reset_link_in(message: mail.EmailMessage) -> str:
    found = RESET_LINK.search(str(message.body))
    assert found, f"no password reset link in the email: {message.body}"
    return found.group(1)
