"""No French slip on the page or on a rendered map (issue #17): no "en à pied", "en vélo",
"(s)" plural, English sentence, and "1er" for the first of the month."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP_VIEWPORT, open_page, show_planner, wait_for_citizen_results

pytestmark = pytest.mark.slow

SLIPS = re.compile(
    r"en à pied|en vélo|en pied|\(s\)|\b1 (janvier|février|mars|avril|mai|juin|"
    r"juillet|août|septembre|octobre|novembre|décembre)\b"
)
ENGLISH = re.compile(
    r"\b(the|and|with|from|must|invalid|parameters?|not found|error|please|unknown|"
    r"cannot|should|minutes? by|mode:)\b",
    re.IGNORECASE,
)
#: Everything people read: visible text, labels, options, titles, ARIA names.
PAGE_TEXTS = """() => {
  const texts = [document.title, document.body.innerText];
  for (const e of document.querySelectorAll('option, [title], [aria-label], [placeholder]')) {
    texts.push(e.textContent, e.getAttribute('title'), e.getAttribute('aria-label'),
               e.getAttribute('placeholder'));
  }
  return texts.filter(Boolean).join('\\n');
}"""


def _slips(text: str) -> list[str]:
    found = [m.group(0) for m in SLIPS.finditer(text)]
    found += [text[max(0, m.start() - 40) : m.end() + 40] for m in ENGLISH.finditer(text)]
    return found


def test_the_page_and_a_map_say_nothing_wrong(browser: Any, base_url: str) -> None:
    page, log = open_page(browser, base_url, DESKTOP_VIEWPORT)
    seen = [page.evaluate(PAGE_TEXTS)]
    show_planner(page)
    seen.append(page.evaluate(PAGE_TEXTS))
    page.click("#tab-propose")
    seen.append(page.evaluate(PAGE_TEXTS))
    page.click("#tab-citizen")
    for mode in ("walk", "bike"):
        page.check(f"#mode-{mode}")
        page.fill("#commune-search", "Clamecy")
        page.press("#commune-search", "Enter")
        wait_for_citizen_results(page)
        page.locator("#reachable-list .result").first.click()
        seen.append(page.evaluate(PAGE_TEXTS))
        summary = page.locator("#reachable-summary").inner_text()
        assert ("à pied" if mode == "walk" else "à vélo") in summary
        assert re.match(r"^\d+ offres? ", summary)
    text = "\n".join(seen)
    assert _slips(text) == [], _slips(text)
    # A rendered map's title, subtitle, note and legend, by bike and on foot.
    for mode in ("bike", "walk"):
        url = f"{base_url}/api/v1/maps/accessibility.geojson?category=cinema&mode={mode}"
        collection = page.request.get(url).json()
        map_text = "\n".join(
            [collection["title"], collection["subtitle"], collection["legend"]["title"]]
        )
        assert _slips(map_text) == [], map_text
        assert "cinémas" in collection["title"]
    assert log.errors == []
    page.close()
