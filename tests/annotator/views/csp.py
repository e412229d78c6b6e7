"""What a Content-Security-Policy of 'self' scripts and styles forbids in a page; shared by the page tests."""

from html.parser import HTMLParser

# Script types the browser does not execute (json_script data, for example): CSP does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._script_start = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}> style attribute")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self._script_start = self.getpos()

    def handle_endtag(self, tag):
        if tag == "script" and self._script_start is not None:
            self.problems.append(f"inline <script> at line {self._script_start[0]}")
            self._script_start = None


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def assert_page_obeys_csp(response) -> None:
    assert response.status_code == 200, response.status_code
    policy = response["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert inline_code(response.content.decode()) == [], response.request["PATH_INFO"]
