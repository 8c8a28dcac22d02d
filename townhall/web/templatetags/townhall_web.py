"""Template tags for the site shell: page titles, service navigation and staff checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.http import HttpRequest
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.urls import reverse

from townhall.accounts import permissions

register = template.Library()

TITLE_SEPARATOR = " \N{EN DASH} "


@register.filter
def is_council_staff(user: Any) -> bool:
    """`{% if user|is_council_staff %}`: role checks stay in accounts.permissions."""
    return permissions.is_council_staff(user)


def page_has_errors(context: Context) -> bool:
    """A page shows errors when it says so (`page_has_errors`) or its `form` has errors."""
    if context.get("page_has_errors"):
        return True
    form = context.get("form")
    return bool(getattr(form, "errors", None))


class PageTitleNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        page = " ".join(self.nodelist.render(context).split())
        branding = context.get("branding")
        council = getattr(branding, "council_name", "")
        title = f"{page}{TITLE_SEPARATOR}{council}" if page and council else page or council
        if page_has_errors(context):
            title = f"Error: {title}"
        return title


@register.tag
def page_title(parser: Parser, token: Token) -> PageTitleNode:
    """`{% page_title %}{% block title %}{% endblock %}{% endpage_title %}`: "<page> <dash> <council>".

    An empty page part gives just the council name; errors on the page add the "Error: " prefix
    (GOV.UK pattern), so screen reader users hear about them first.
    """
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    # "page" for the page itself, "true" for a page inside its section, "" otherwise.
    current: str


def _current(path: str, href: str) -> str:
    if path == href:
        return "page"
    if href != "/" and path.startswith(href):
        return "true"
    return ""


@register.inclusion_tag("web/includes/service_navigation.html", takes_context=True)
def service_navigation(context: Context) -> dict[str, object]:
    """Navigation links for the signed-in state; Sign out is a POST form in the template."""
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    path = request.path if request is not None else ""
    signed_in = user is not None and user.is_authenticated
    links = [
        ("Home", reverse("home")),
        ("Report a problem", reverse("report:start")),
        ("Reports", reverse("public_reports:list")),
    ]
    if user is not None and signed_in:
        links.append(("Your account", reverse("myaccount:dashboard")))
        if permissions.is_council_staff(user):
            links.append(("Staff", reverse("staff_home")))
    else:
        links.append(("Sign in", reverse("account_login")))
    return {
        "items": [NavItem(text=text, href=href, current=_current(path, href)) for text, href in links],
        "signed_in": signed_in,
    }
