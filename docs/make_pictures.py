"""Redraw the pictures of docs/backprop.md, and its stepper page, from the page's own code.

    python docs/make_pictures.py          # rewrite docs/images/*.svg and docs/stepper.html
    python docs/make_pictures.py --check  # exit 1 if any is out of date (the tests do this)

The page's snippets save each picture where they run (``tg.viz.draw(...).save("chain.svg")``)
and write the stepper (``tg.viz.to_html(..., "stepper.html")``). This script runs the snippets
in a temporary folder, as the test suite does, and keeps what they wrote: the SVG files in
docs/images/, the HTML page in docs/. So a picture always shows the code printed next to it.
"""

from __future__ import annotations

import doctest
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGES = [ROOT / "docs" / "backprop.md"]
IMAGES = ROOT / "docs" / "images"
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def run_page(page):
    """Run a page's python blocks in order in one namespace, in the current folder."""
    namespace = {"__name__": f"docs_{page.stem}"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        code = match.group(1)
        if re.search(r"^\s*>>> ", code, re.MULTILINE):
            test = doctest.DocTestParser().get_doctest(code, namespace, page.name, str(page), 0)
            runner.run(test, out=lambda text: None, clear_globs=False)
            namespace.update(test.globs)
        else:
            exec(compile(code, page.name, "exec"), namespace)
    if runner.failures:
        raise SystemExit(f"{page.name}: {runner.failures} example(s) failed; run its tests")


def render():
    """{path under the repository: text} of every file the pages write."""
    files = {}
    cwd = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            for page in PAGES:
                run_page(page)
        finally:
            os.chdir(cwd)
        for made in sorted(Path(folder).iterdir()):
            where = IMAGES if made.suffix == ".svg" else ROOT / "docs"
            files[(where / made.name).relative_to(ROOT).as_posix()] = made.read_text("utf-8")
    return files


def stale():
    """The files that differ from what the pages make now (missing, changed or left over)."""
    files = render()
    wrong = [p for p, text in files.items() if _read(ROOT / p) != text]
    leftover = [
        p.relative_to(ROOT).as_posix()
        for p in sorted(IMAGES.glob("*.svg"))
        if p.relative_to(ROOT).as_posix() not in files
    ]
    return wrong + leftover


def _read(path):
    return path.read_text("utf-8") if path.exists() else None


def main(argv):
    if "--check" in argv:
        out_of_date = stale()
        for path in out_of_date:
            print(f"out of date: {path} (run python docs/make_pictures.py)")
        return 1 if out_of_date else 0
    IMAGES.mkdir(exist_ok=True)
    for path, text in render().items():
        (ROOT / path).write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
