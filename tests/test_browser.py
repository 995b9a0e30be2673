"""The backward stepper (``tg.viz.to_html``) in a real browser: headless Chromium, driven by
Playwright with the operating system's Chromium (``.ci/run`` installs it when missing).

The page for the seed example is stepped to the end with the Next button and the arrow keys;
it must show the same final gradient as ``logits.grad``, Back must bring back exactly the
previous state, and the page must not make a single network request.
"""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import functional as F

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install '.[test]')"
)


def chromium_path():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (Debian/Ubuntu: apt-get install chromium; "
    "or set CHROMIUM=/path/to/chrome)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# What a state of the page is: every gradient line in the picture, the words, the counter,
# which boxes and arrows are highlighted, and which buttons are enabled.
STATE_JS = """() => ({
  slots: Array.from(document.querySelectorAll('text[id*="-g"]')).map(e => [e.id, e.textContent]),
  words: document.getElementById('narration').textContent,
  counter: document.getElementById('counter').textContent,
  lit: ['running', 'current', 'target', 'flow'].map(
      c => Array.from(document.querySelectorAll('.' + c)).map(e => e.id).sort()),
  back: document.getElementById('back').disabled,
  next: document.getElementById('next').disabled,
})"""


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def test_the_stepper_replays_the_seed_example_in_chromium(tmp_path):
    logits = tg.Tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]], requires_grad=True)  # float32
    loss = F.cross_entropy(logits, [1, 2])
    page_path = tg.viz.to_html(loss, tmp_path / "stepper.html", names={"logits": logits})
    assert logits.grad is None  # the page's backward left nothing behind
    loss.backward()  # and the graph is still there for the real one
    expected = logits.grad

    requests = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:

            def record(route):  # every request the page makes; only its own file may load
                requests.append(route.request.url)
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    route.abort()

            browser.route("**/*", record)
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri())
            states = [page.evaluate(STATE_JS)]
            total = int(states[0]["counter"].split()[-1])
            assert states[0]["counter"] == f"step 0 of {total}" and total == 8
            assert states[0]["back"] and not states[0]["next"]
            for k in range(1, total + 1):
                if k % 2:
                    page.click("#next")
                else:
                    page.keyboard.press("ArrowRight")
                states.append(page.evaluate(STATE_JS))
                assert states[k]["counter"] == f"step {k} of {total}"
                assert states[k] != states[k - 1]
                # Back returns to exactly the previous state, Next comes back again
                page.click("#back") if k % 2 else page.keyboard.press("ArrowLeft")
                assert page.evaluate(STATE_JS) == states[k - 1]
                page.click("#next")
                assert page.evaluate(STATE_JS) == states[k]
            final = states[-1]
            assert final["next"] and not final["back"]
            page.keyboard.press("ArrowRight")  # past the end: nothing changes
            assert page.evaluate(STATE_JS) == final
        finally:
            browser.close()

    # The words at the end give each leaf's final .grad, every digit.
    match = re.search(r"logits\.grad = (\[\[.*\]\])", final["words"])
    assert match is not None, final["words"]
    shown = np.array(numbers(match.group(1)), dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(shown, expected)
    # The logits box in the picture shows it too, to 4 significant digits.
    slots = dict(final["slots"])
    leaf_lines = " ".join(text for key, text in sorted(slots.items()) if key.startswith("leaf1-"))
    np.testing.assert_allclose(numbers(leaf_lines), expected.ravel(), rtol=1e-3, atol=1e-4)
    # No network: the only request was the page itself.
    assert set(requests) == {page_path.as_uri()}, requests
