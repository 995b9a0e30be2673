"""The backward stepper (``tg.viz.to_html``) in a real browser: headless Chromium, driven by
Playwright with the operating system's Chromium (``.ci/run`` installs it when missing).

The page for the seed example is stepped to the end with the Next button and the arrow keys;
it must show the same final gradient as ``logits.grad``, Back must bring back exactly the
previous state, the page must not make a single network request, and at every step the node
that runs and the boxes its gradients go to must be in view (drawn top to bottom, and left to
right in a window narrower than the picture).
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


# Which highlighted boxes (running, current, target) lie wholly inside the visible part of the
# picture, and the zoom the page chose.
IN_VIEW_JS = """() => {
  const graph = document.getElementById('graph');
  const frame = graph.getBoundingClientRect();
  const left = frame.left + graph.clientLeft, top = frame.top + graph.clientTop;
  const right = left + graph.clientWidth, bottom = top + graph.clientHeight;
  const lit = Array.from(document.querySelectorAll('.running, .current, .target'));
  const svg = graph.querySelector('svg');
  return {
    out: lit.filter(e => {
      const r = e.getBoundingClientRect();
      return r.left < left - 0.5 || r.right > right + 0.5
          || r.top < top - 0.5 || r.bottom > bottom + 0.5;
    }).map(e => e.id),
    lit: lit.length,
    zoom: svg.getBoundingClientRect().width / svg.width.baseVal.value,
    direction: svg.getAttribute('data-direction'),
  };
}"""


def launch(playwright, tmp_path):
    return playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS
    )


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
        browser = launch(playwright, tmp_path)
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
                view = page.evaluate(IN_VIEW_JS)
                assert view["direction"] == "TB" and view["lit"] >= 3 and not view["out"], view
                assert view["zoom"] >= 0.5
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


def test_the_stepper_keeps_the_running_node_and_its_targets_in_view_left_to_right(tmp_path):
    logits = tg.Tensor(np.array([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]]), requires_grad=True)
    loss = F.cross_entropy(logits, [1, 2])
    path = tg.viz.to_html(loss, tmp_path / "wide.html", names={"logits": logits}, direction="LR")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright, tmp_path)
        try:
            page = browser.new_page()
            page.set_viewport_size({"width": 900, "height": 650})
            page.goto(path.as_uri())
            width = page.evaluate("document.querySelector('#graph svg').width.baseVal.value")
            assert width > 2 * 900  # the picture is much wider than the window
            zooms = []
            for k in range(1, 9):
                page.keyboard.press("ArrowRight")
                view = page.evaluate(IN_VIEW_JS)
                assert view["direction"] == "LR" and view["lit"] >= 3 and not view["out"], (k, view)
                zooms.append(view["zoom"])
        finally:
            browser.close()
    assert min(zooms) >= 0.5 and max(zooms) == 1.0  # zoomed out only where a step needs it
