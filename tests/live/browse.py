"""A small browser for the live tests: logs in through the login page and submits a page's
search form the way Chromium would (its method and action; with htmx, its hx-get/hx-post),
sending the Referer a browser sends, so the access log sees what a real session leaves there."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


@dataclass
class Form:
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    search_name: str | None = None

    def submissions(self, page_url: str) -> list[tuple[str, str]]:
        """(method, url) for each way a browser sends this form: htmx's when JavaScript runs
        (hx-post / hx-get), and the plain method/action without it."""
        out = []
        for attr, method in (("hx-post", "POST"), ("hx-get", "GET")):
            if self.attrs.get(attr):
                out.append((method, urljoin(page_url, self.attrs[attr])))
        plain = (self.attrs.get("method") or "get").upper()
        out.append((plain, urljoin(page_url, self.attrs.get("action") or page_url)))
        return out


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(attrs=a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "search" or (kind == "text" and self._form.search_name is None):
                self._form.search_name = a["name"]
            if kind not in ("submit", "button", "checkbox", "radio") or "checked" in a:
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def search_form(html: str) -> Form:
    """The page's search box: the form with a search input (the role="search" one first)."""
    found = [f for f in forms(html) if f.search_name]
    found.sort(key=lambda f: f.attrs.get("role") != "search")
    if not found:
        raise AssertionError("no search form on the page")
    return found[0]


class Browser:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, follow_redirects=True, timeout=60)
        self.url = base_url + "/"

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self._send("GET", url, **kwargs)

    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        headers = {"Referer": self.url, **kwargs.pop("headers", {})}
        response = self.client.request(method, urljoin(self.url, url), headers=headers, **kwargs)
        if not headers.get("HX-Request"):
            self.url = str(response.url)
        return response

    def login(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/")
        form = next(f for f in forms(page.text) if "password" in f.fields)
        data = {**form.fields, "username": username, "password": password}
        method, url = form.submissions(str(page.url))[-1]
        response = self._send(method, url, data=data)
        assert response.status_code == 200 and "/accounts/login/" not in str(response.url), (
            f"login failed: {response.status_code} {response.url}"
        )

    def search(self, page_path: str, term: str) -> list[httpx.Response]:
        """Every way a browser submits the search form on ``page_path`` with ``term``; the
        plain submission last (its page is where the result links are)."""
        page = self.get(page_path)
        form = search_form(page.text)
        out = []
        ways = form.submissions(str(page.url))
        for i, (method, url) in enumerate(ways):
            data = {**form.fields, form.search_name: term}
            htmx = {"HX-Request": "true"} if i < len(ways) - 1 else {}
            if method == "GET":
                out.append(self._send("GET", url, params=data, headers=htmx))
            else:
                out.append(self._send("POST", url, data=data, headers=htmx))
        return out
