import os

import nbformat
import pytest

from helpers import handouts
from helpers.figures import STATIC_ENV


@pytest.mark.parametrize(
    "page, found",
    [
        ('<script src="https://cdn.example.org/x.js"></script>', True),
        ('<link href="//fonts.example.org/a.css">', True),
        ("<style>@font-face { src: url('https://x.org/f.woff') }</style>", True),
        ('<script src="mathjax/MathJax.js"></script><img src="data:image/png;base64,AAAA">', False),
        ('<a href="index.html">all handouts</a>', False),
    ],
)
def test_external_references_are_found(page, found):
    assert bool(handouts.external_references(page)) is found


def test_summary_and_title_come_from_the_notebook():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 07 · A title\n\nText.")]
    )
    notebook.metadata["course"] = {"summary": "One line."}
    assert handouts.title(notebook) == "07 · A title"
    assert handouts.summary(notebook) == "One line."


def test_build_refuses_an_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no notebooks named NN_topic.ipynb"):
        handouts.build(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_build_restores_the_environment_even_when_a_notebook_fails(tmp_path, monkeypatch):
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · t")]),
        tmp_path / "99_t.ipynb",
    )
    monkeypatch.setattr(
        handouts, "execute", lambda path: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    monkeypatch.setattr(handouts, "copy_mathjax", lambda out: None)
    with pytest.raises(RuntimeError, match="boom"):
        handouts.build(tmp_path, tmp_path / "out")
    assert STATIC_ENV not in os.environ


def test_links_between_chapters_point_at_the_handouts():
    from helpers.handouts import link_to_handouts

    page = (
        '<a href="05_residual_connections.ipynb">05</a> <a '
        'href="04_weight_initialization.ipynb#He">he</a> '
        '<a href="https://example.org/notes.ipynb">other</a>'
    )
    assert link_to_handouts(page) == (
        '<a href="05_residual_connections.html">05</a> '
        '<a href="04_weight_initialization.html#He">he</a> '
        '<a href="https://example.org/notes.ipynb">other</a>'
    )


def test_the_budget_names_the_figure_and_the_notebook_that_break_it():
    block = (
        '<div class="explorable" data-figure="playground" id="x">'
        + "x" * 5000
        + '<script type="application/json" class="explorable-frames">{}</script></div>'
    )
    pages = {
        "10_playground": "<html>" + block + "</html>",
        "00_backprop_chain_rule": "<html></html>",
    }
    assert handouts.figure_sizes(pages["10_playground"]) == {
        "playground": len(block) - len("</script></div>")
    }
    problems = handouts.over_budget(pages, per_page=4000, total=10**6)
    assert len(problems) == 1 and problems[0].startswith("10_playground.html is")
    assert "largest figures: playground" in problems[0]
    assert handouts.over_budget(pages, per_page=10**6, total=1000)[0].startswith(
        "the handouts take"
    )
    assert handouts.over_budget(pages) == []


def test_a_handout_over_budget_writes_nothing(tmp_path, monkeypatch):
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · t")]),
        tmp_path / "99_t.ipynb",
    )
    monkeypatch.setattr(handouts, "execute", lambda path: nbformat.read(path, as_version=4))
    monkeypatch.setattr(
        handouts, "export", lambda notebook, name, no_code: "<html>" + "x" * 100 + "</html>"
    )
    monkeypatch.setattr(
        handouts, "over_budget", lambda pages: _real_over_budget(pages, per_page=50)
    )
    with pytest.raises(RuntimeError, match=r"over their size budget:\n  99_t.html is"):
        handouts.build(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


_real_over_budget = handouts.over_budget


def test_a_handouts_title_is_its_chapters(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# 07 · Batch normalization\n\nText.")]
    )
    page = handouts.export(notebook, "07_batch_normalization", no_code=False)
    assert "<title>07 · Batch normalization</title>" in page
