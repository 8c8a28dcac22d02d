"""GOV.UK pagination links for any Django page, keeping the page's filters in each link.

Used with the template web/includes/pagination.html, which reads the keys this returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import QueryDict


@dataclass(frozen=True)
class PageLink:
    """One item of the GOV.UK pagination list: a page number, or an ellipsis (number None)."""

    number: int | None
    href: str
    current: bool


def _page_href(query: QueryDict, number: int) -> str:
    params = query.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"


def pagination_context(page: Page, query: QueryDict) -> dict[str, object]:
    """`page_links`, `previous_href` and `next_href` for `page`, with `query`'s other parameters kept."""
    query = query.copy()
    query.pop("page", None)
    paginator: Paginator = page.paginator
    return {
        "page_links": [
            PageLink(None, "", False)
            if number == Paginator.ELLIPSIS
            else PageLink(int(number), _page_href(query, int(number)), number == page.number)
            for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
        ],
        "previous_href": _page_href(query, page.previous_page_number()) if page.has_previous() else "",
        "next_href": _page_href(query, page.next_page_number()) if page.has_next() else "",
    }
