"""Every Python snippet in docs/ and README.md runs, so the docs cannot rot.

A page's ```python blocks run in order in one namespace (a page can build on its earlier
snippets), in a temporary working directory. A block with ``>>>`` prompts runs as a doctest, so
the outputs printed on the page are checked too; any other block simply has to run (its own
``assert`` lines check it).
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def snippets(page):
    """(line number, code) of each ```python block of a Markdown page."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


def run_page(page):
    namespace = {"__name__": f"docs_{page.stem}"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    parser = doctest.DocTestParser()
    for line, code in snippets(page):
        where = f"{page.name}:{line}"
        if re.search(r"^\s*>>> ", code, re.MULTILINE):
            test = parser.get_doctest(code, namespace, where, str(page), line - 1)
            output = []
            result = runner.run(test, out=output.append, clear_globs=False)
            namespace.update(test.globs)  # DocTest ran on a copy; later snippets build on it
            assert result.failed == 0, f"doctest failed in {where}:\n" + "".join(output)
        else:
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"snippet at {where} failed: {error!r}") from error


def test_the_readme_backward_example_prints_what_its_comments_say(capsys):
    """Its ``print(...)  # output`` comments are the outputs (the in-place error included): a
    plain block is only run by the test above, so this one's outputs are checked here."""
    (code,) = [code for _, code in snippets(ROOT / "README.md") if "retain_grad()" in code]
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_backward"})
    printed = capsys.readouterr().out.splitlines()
    said = re.findall(r"print\(.*\)  # (.*)", code)
    assert len(printed) == len(said)
    for line, comment in zip(printed, said):
        assert line.startswith(comment.removesuffix("...").strip()), (line, comment)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_snippet_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_page(page)


def test_the_runner_catches_a_wrong_printed_output(tmp_path):
    page = tmp_path / "wrong.md"
    page.write_text("```python\n>>> 1 + 1\n3\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="doctest failed"):
        run_page(page)


def test_docs_pages_exist_and_have_snippets():
    assert PAGES, "no Markdown pages found"
    for page in PAGES:
        if page.name != "api.md":  # generated from docstrings, whose examples run as doctests
            assert snippets(page), f"{page.name} has no python snippet"


def test_the_pictures_of_the_docs_are_up_to_date():
    """docs/images/*.svg and docs/stepper.html are what the pages' own code draws today."""
    spec = importlib.util.spec_from_file_location(
        "make_pictures", ROOT / "docs" / "make_pictures.py"
    )
    make_pictures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_pictures)
    out_of_date = make_pictures.stale()
    assert not out_of_date, f"out of date: {out_of_date}; run python docs/make_pictures.py"
