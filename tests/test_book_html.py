"""The built website: every chapter page shows its figures, no asset is missing, Chromium renders it.

Marked ``book``: run after `python -m vaxis.book build` (the README's test command does).
"""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from vaxis import book

pytestmark = pytest.mark.book
ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        for key in ("src", "href"):
            if a.get(key) and (tag in ("img", "script") or (tag == "link" and key == "href")):
                self.refs.append(a[key])


def _parse(page: Path) -> _Refs:
    p = _Refs()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def _local(page: Path, ref: str) -> Path | None:
    u = urlparse(ref)
    if u.scheme or ref.startswith(("#", "data:", "//")):
        return None
    return (page.parent / unquote(u.path)).resolve()


@pytest.fixture(scope="module")
def pages():
    if not (HTML / "index.html").is_file():
        pytest.fail("the book is not built: run `python -m vaxis.book build` first")
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)


@pytest.mark.parametrize("chapter", book.chapters(ROOT), ids=lambda c: c.name)
def test_chapter_page_shows_its_figures(chapter, pages):
    page = HTML / "book" / "chapters" / f"{chapter.name}.html"
    assert page.is_file(), f"{page} was not built"
    refs = _parse(page)
    figures = [s for s in refs.imgs if "_images/" in s]
    assert figures, f"{page.name} has no figure"
    for src in figures:
        path = _local(page, src)
        assert path is not None and path.is_file() and path.stat().st_size > 2000, f"broken figure {src}"
    text = page.read_text(encoding="utf-8")
    assert "Traceback" not in text and "NotImplementedError: Exercise" not in text


def test_no_missing_local_assets(pages):
    missing = []
    for page in pages:
        for ref in _parse(page).refs:
            path = _local(page, ref)
            if path is not None and not path.exists():
                missing.append(f"{page.relative_to(HTML)} -> {ref}")
    assert not missing, "missing assets:\n" + "\n".join(missing[:20])


def test_mathjax_is_served_locally(pages):
    intro = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    assert re.search(r'src="[^"]*_static/mathjax/tex-svg-full\.js', intro), "MathJax is not the local copy"
    assert (HTML / "_static" / "mathjax" / "tex-svg-full.js").is_file()


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed (make tools installs it)")
@pytest.mark.parametrize("page", ["book/intro.html", "book/chapters/01_axis_construction.html"])
def test_chromium_renders_the_page(page, tmp_path):
    out = ROOT / "_build" / "screenshots" / (Path(page).stem + ".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={out}", "--window-size=1280,2000",
           "--virtual-time-budget=5000", (HTML / page).as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    import matplotlib.image as mpimg

    img = mpimg.imread(out)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert np.asarray(img).std() > 0.05, "the screenshot is blank"


#: Chapters whose outputs another change fixes (as in tests/test_outputs.py); strict xfail.
WIDTH_PENDING: dict[str, str] = {}  # chapter 7's second edition (issue 30) fits the page


@pytest.mark.parametrize("chapter", [pytest.param(c, marks=[pytest.mark.xfail(strict=True, reason=WIDTH_PENDING[c.number])]
                                                  if c.number in WIDTH_PENDING else []) for c in book.chapters(ROOT)],
                         ids=lambda c: c.name)
def test_nothing_cut_off_and_no_printed_line_wider_than_the_page(chapter, pages):
    """No pandas table cell ends in "..." and no printed line is wider than vaxis.tables.LINE_WIDTH,
    the characters the article column shows at its widest (vaxis.book.outputs)."""
    from vaxis.book import outputs

    page = HTML / "book" / "chapters" / f"{chapter.name}.html"
    problems = outputs.html_problems(page.read_text(encoding="utf-8"))
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


def test_printed_outputs_wrap_rather_than_scroll(pages):
    """The book's stylesheet is served and wraps stream outputs (a narrow window shows fewer characters)."""
    page = (HTML / "book" / "chapters" / f"{book.chapters(ROOT)[0].name}.html").read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*_static/vaxis\.css', page), "book/_static/vaxis.css is not linked"
    css = (HTML / "_static" / "vaxis.css").read_text()
    assert "white-space: pre-wrap" in css and "output.stream" in css
