"""The frame store (helpers.framestore), the frames drawn for it (helpers.display.frames), the
handout's explorable block (helpers.display.explorable) and the live panel's use of the store."""

import io
import json
import multiprocessing
import re

import numpy as np
import pytest
from PIL import Image

from helpers import framestore
from helpers.display import frames
from helpers.display.explorable import Explorable
from helpers.display.panel import ControlPanel
from helpers.figures import FIGURES, FloatParam, InteractiveFigure, IntParam
from helpers.framestore import FrameStore
from helpers.seeding import course_seed, set_course_seed


def tiny(fig, n, scale):
    fig.subplots().plot(np.arange(n) * scale)


TINY = InteractiveFigure(
    "tiny_store_figure",
    "tests",
    tiny,
    {"n": IntParam(2, 20, 5, unit="points"), "scale": FloatParam(0.5, 2.0, 1.0)},
    {"five": {"n": 5}, "ten, steep": {"n": 10, "scale": 2.0}},
    figsize=(3, 2),
    explore={"n": [2, 5, 20]},
    relevant=lambda v: [k for k in v if k != "n" or v["scale"] < 2.0],
)


def test_every_course_figure_explores_a_parameter_at_values_a_class_would_scrub():
    for figure in FIGURES.values():
        assert figure.explore, (
            f"{figure.name} explores nothing: its handout would only show presets"
        )
        for name in figure.explore:
            values = figure.explore_values(name)
            assert len(values) >= 4, (figure.name, name, values)
            assert all(
                figure.preset(p)[name] in values for p in figure.presets
            )  # every preset on it


def test_explore_is_checked_when_a_figure_is_defined():
    params = {"n": IntParam(2, 20, 5), "scale": FloatParam(0.5, 2.0, 1.0)}
    with pytest.raises(ValueError, match="n must be a whole number from 2 to 20; got 40"):
        InteractiveFigure("bad", "tests", tiny, params, {"p": {}}, explore={"n": [2, 40]})
    with pytest.raises(ValueError, match="at two values or more"):
        InteractiveFigure("bad", "tests", tiny, params, {"p": {}}, explore={"n": [2]})
    with pytest.raises(
        ValueError, match=r"can explore only a numeric parameter \(n, scale\); got 'size'"
    ):
        InteractiveFigure("bad", "tests", tiny, params, {"p": {}}, explore={"size": [1, 2]})


def test_the_frame_grid_is_every_preset_at_every_explored_value():
    grid = TINY.frame_grid()
    assert TINY.explore_values("n") == [2, 5, 10, 20]  # the preset "ten" adds its own 10
    assert len(grid) == 2 * 4
    assert all(values["scale"] == 2.0 for preset, values in grid if preset == "ten, steep")


def test_an_address_changes_with_the_setting_the_seed_the_code_and_the_resolution(
    tmp_path, monkeypatch
):
    store = FrameStore(tmp_path)
    values = TINY.resolve()
    key = store.key(TINY, values, 100)
    assert key == store.key(TINY, dict(values), 100)
    assert key != store.key(TINY, {**values, "n": 6}, 100)
    assert key != store.key(TINY, values, 72)
    seed = course_seed()
    try:
        set_course_seed(seed + 1)
        assert key != store.key(TINY, values, 100)
    finally:
        set_course_seed(seed)
    monkeypatch.setattr(framestore, "_source_hash", "other code")
    assert key != store.key(TINY, values, 100)


def test_a_frame_is_stored_whole_and_only_a_frame_is_served(tmp_path):
    store = FrameStore(tmp_path)
    data = frames.frame(TINY, {"n": 7}, store)
    key = store.key(TINY, TINY.resolve(n=7), frames.FRAME_DPI)
    assert store.get(key) == data and data[:4] == b"RIFF"
    assert not list(tmp_path.rglob("*.part"))  # written aside, renamed into place
    store.path(key).write_bytes(b"not a frame at all")
    assert store.get(key) is None  # never shown: drawn again instead
    assert frames.frame(TINY, {"n": 7}, store) == data


def test_a_stored_frame_is_the_live_panels_picture_pixel_for_pixel(tmp_path):
    store = FrameStore(tmp_path)
    for name in ("chain_product", "clipping_2d"):
        figure = FIGURES[name]
        preset, values = figure.frame_grid()[1]  # a preset at an explored value, not the default
        stored = framestore.decode(frames.frame(figure, values, store))
        panel = ControlPanel(figure, store=None, **values)
        assert panel.stored_count == 0
        live = framestore.decode(panel.image.value)
        assert stored.shape == live.shape and (stored == live).all(), name


def test_the_live_panel_shows_a_stored_frame_instead_of_drawing_it(tmp_path):
    store = FrameStore(tmp_path)
    figure = FIGURES["chain_product"]
    first, second, third = list(figure.presets)[:3]
    frames.frame(figure, figure.preset(second), store)
    panel = ControlPanel(figure, store=store)
    drawn = panel.redraw_count - panel.stored_count
    panel.presets.value = second
    assert panel.stored_count == 1 and panel.redraw_count - panel.stored_count == drawn
    assert panel.image.format == "webp" and "from the frame store" in panel.status.value
    panel.presets.value = third  # not stored: drawn, as PNG, and stored for the next one
    assert panel.image.format == "png" and "redrawn" in panel.status.value
    key = store.key(figure, figure.preset(third), frames.FRAME_DPI)
    framestore.wait_for_writes()  # (the panel stores what it drew on a thread of its own)
    kept = store.get(key)
    assert kept is not None
    assert (framestore.decode(kept) == framestore.decode(panel.image.value)).all()
    assert framestore.description_of(kept) == panel.alt_text
    again = ControlPanel(figure, store=store, **figure.preset(third))
    assert again.stored_count == 1 and again.image.value == kept


def _panel_race(folder, barrier):
    """A kernel of a class: its panel moves to the setting the others move to."""
    figure = FIGURES["playground"]
    panel = ControlPanel(figure, store=None)
    panel.store = FrameStore(folder)
    barrier.wait()
    panel.controls["depth"].value = panel.controls["depth"].value + 1
    assert panel.error.value == ""
    return panel.redraw_count - panel.stored_count - 1, bytes(panel.image.value)


def test_a_class_moving_together_draws_the_new_frame_once(tmp_path):
    """Four kernels move to the same new setting at once: one draws it (under the frame's
    lock), the other three wait for it and show the stored frame, the same bytes."""
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        results = pool.starmap(_panel_race, [(tmp_path / "store", barrier)] * 4)
    drawn = [d for d, _ in results]
    assert sorted(drawn) == [0, 0, 0, 1], drawn
    pictures = [picture for d, picture in results if d == 0]
    assert len(set(pictures)) == 1


def test_a_panel_that_showed_stored_frames_lays_out_its_canvas_when_idle(tmp_path, monkeypatch):
    """A kernel whose first frames came from the store (a class: one kernel drew them) has
    never laid out its canvas; once the kernel is idle (no panel of it redrawing), it does, so
    that its first drawn frame needs no new layout, and that frame is, pixel for pixel, what a
    panel that drew its first frame itself shows after the same step."""
    import asyncio

    from helpers.display import panel as panel_module

    monkeypatch.setattr(panel_module, "WARM_UP_DELAY_S", 0.05)
    store = FrameStore(tmp_path)
    figure = FIGURES["playground"]
    frames.frame(figure, figure.resolve(), store)

    async def a_student():
        panel = ControlPanel(figure, store=store, throttle_seconds=0)
        assert panel.stored_count == 1 and panel.layout_count == 0
        other = ControlPanel(FIGURES["chain_product"], store=None, throttle_seconds=0)
        slider = next(iter(other.controls.values()))
        for value in [slider.min, slider.max] * 4:  # the student drags another panel: no warm-up
            slider.value = value
            await asyncio.sleep(0.01)
        assert panel.layout_count == 0
        await asyncio.sleep(0.5)  # idle: the warm-up draws, unsent
        laid_out = panel.layout_count
        assert laid_out >= 1 and panel.redraw_count == 1
        panel.controls["depth"].value += 1
        return panel, laid_out

    panel, laid_out = asyncio.run(a_student())
    assert panel.stored_count == 1 and panel.redraw_count == 2 and panel.error.value == ""
    assert panel.layout_count == laid_out  # the first drawn frame: no layout of its own
    drew_its_own = ControlPanel(figure, store=None, throttle_seconds=0)
    drew_its_own.controls["depth"].value += 1
    assert drew_its_own.values == panel.values
    live, reference = (framestore.decode(p.image.value) for p in (panel, drew_its_own))
    assert (live == reference).all()


def _race(folder, counter, barrier):
    store = FrameStore(folder)
    barrier.wait()

    def render():
        with open(counter, "a") as file:
            file.write("drawn\n")
        import time

        time.sleep(0.3)  # long enough that the others ask while it draws
        return framestore.encode_webp(np.zeros((4, 4, 3), np.uint8))

    return store.get_or_render("ab" + "0" * 62, render)


def test_concurrent_requests_for_one_frame_draw_it_once(tmp_path):
    counter = tmp_path / "drawn.txt"
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        results = pool.starmap(_race, [(tmp_path / "store", counter, barrier)] * 4)
    assert len(set(results)) == 1
    assert counter.read_text().count("drawn") == 1


def test_the_store_is_bounded_and_removes_what_was_used_longest_ago(tmp_path):
    import os

    store = FrameStore(tmp_path, max_bytes=10**9)
    payload = b"RIFF\0\0\0\0WEBP" + bytes(3000)
    keys = [f"{i:02d}" + "0" * 62 for i in range(5)]
    for age, key in enumerate(keys):
        store.put(key, payload)
        os.utime(store.path(key), (1000 + age, 1000 + age))
    store.get(keys[0])  # used just now: kept
    store.max_bytes = 10_000  # five frames of 3 kB are over it
    store.trim()
    assert store.size() <= 0.8 * 10_000
    assert store.get(keys[0]) is not None and store.get(keys[1]) is None


def test_where_the_store_lives(monkeypatch, tmp_path):
    monkeypatch.setenv(framestore.ENVIRONMENT_VARIABLE, "off")
    assert framestore.default_store() is None
    monkeypatch.setenv(framestore.ENVIRONMENT_VARIABLE, str(tmp_path))
    assert framestore.default_store().folder == tmp_path
    monkeypatch.setenv(framestore.SIZE_VARIABLE, "lots")
    with pytest.raises(
        ValueError, match="HELPERS_FRAMES_MAX_MB must be a number of megabytes; got 'lots'"
    ):
        FrameStore(tmp_path)


def test_an_explorable_block_holds_every_frame_once_and_says_what_its_slider_does(tmp_path):
    block = Explorable(TINY, FrameStore(tmp_path))
    page = block._repr_html_()
    assert page.startswith('<div class="explorable" data-figure="tiny_store_figure"')
    data = json.loads(re.search(r'class="explorable-data">(.*?)</script>', page).group(1))
    pending = json.loads(re.search(r'class="explorable-frames">(.*?)</script>', page).group(1))
    gallery = re.findall(r'<img data-frame="(\w+)"', page)
    assert len(gallery) == 2 and len(data["points"]) == 8
    digests = {point[0] for point in data["points"].values()}
    assert digests == set(gallery) | set(pending) and not set(gallery) & set(pending)
    # the steep preset makes n irrelevant: its slider is inert, and its frames are one frame
    assert data["presets"][1]["inert"] == [True] and data["presets"][0]["inert"] == [False]
    assert data["sliders"][0]["spoken"] == [
        "n 2 points",
        "n 5 points",
        "n 10 points",
        "n 20 points",
    ]
    assert 'type="range"' in page and 'aria-valuetext="n 5 points"' in page and "<output" in page
    for point in data["points"].values():  # each frame decodes to the figure's size
        digest = point[0]
        encoded = pending.get(digest) or re.search(
            rf'data-frame="{digest}"[^>]*base64,([^"]+)', page
        ).group(1)
        import base64

        assert Image.open(io.BytesIO(base64.b64decode(encoded))).size == (300, 200)


def test_a_figure_without_explored_values_shows_its_presets(tmp_path):
    plain = InteractiveFigure(
        "plain_store_figure", "tests", tiny, TINY.params, TINY.presets, figsize=(3, 2)
    )
    page = Explorable(plain, FrameStore(tmp_path))._repr_html_()
    assert page.count("<img data-frame=") == 2 and 'type="range"' not in page


def test_filling_draws_what_is_missing_in_worker_processes(tmp_path):
    store = FrameStore(tmp_path)
    figure = FIGURES["activation_and_derivative"]
    values = figure.frame_grid()[0][1]
    frames.frame(figure, values, store)  # one there already
    report = frames.fill([figure], store, jobs=2, quiet=True)
    assert report["drawn"] + report["found"] == len(figure.frame_grid())
    assert report["found"] >= 1
    again = frames.fill([figure], store, jobs=2, quiet=True)
    assert again["drawn"] == 0
    # a frame drawn by a worker is the one this process draws
    last = figure.frame_grid()[-1][1]
    assert (framestore.decode(frames.frame(figure, last, store)) == frames.draw(figure, last)).all()


def test_a_figure_shown_twice_in_a_page_stores_its_frames_once(tmp_path):
    first = Explorable(TINY, FrameStore(tmp_path))
    again = Explorable(TINY, frames_from=first)
    page = again._repr_html_()
    assert f'data-frames-from="{first.id}"' in page and "<img data-frame=" not in page
    assert re.search(r'class="explorable-frames">\{\}</script>', page)
    assert "The same figure as above" in page
    with pytest.raises(ValueError, match="frames_from must be a block of 'plain_store_figure'"):
        Explorable(
            InteractiveFigure("plain_store_figure", "tests", tiny, TINY.params, TINY.presets),
            frames_from=first,
        )


def test_a_figure_of_ones_own_edited_is_never_shown_from_before(tmp_path):
    """A lecturer's figure (drawing code outside the package) is kept by its code: edited, it
    gets new addresses; the same code defined again (a re-run cell) finds its frames; a course
    figure's address rests on the package's source hash alone."""
    store = FrameStore(tmp_path)

    def line(fig, n):
        fig.subplots().plot(range(n))

    def edited(fig, n):
        fig.subplots().plot(range(n), "o")

    def line_again(fig, n):
        fig.subplots().plot(range(n))

    def own(draw):
        return InteractiveFigure("my_figure", "mine", draw, {"n": IntParam(1, 5, 2)}, {})

    keys = {
        name: store.key(own(draw), {"n": 2}, 100)
        for name, draw in [("line", line), ("edited", edited), ("again", line_again)]
    }
    assert keys["line"] != keys["edited"] and keys["line"] == keys["again"]
    assert framestore.own_figure_hash(FIGURES["playground"]) == ""
    assert framestore.own_figure_hash(own(line)) != ""
    from helpers.figures import interactive_figure

    @interactive_figure(
        notebook="99_mine", params={"n": IntParam(1, 5, 2)}, presets={}, name="registered_own"
    )
    def registered(fig, n):
        fig.subplots().plot(range(n))

    try:  # registered by a lecturer: still addressed by its code
        assert framestore.own_figure_hash(FIGURES["registered_own"]) != ""
    finally:
        del FIGURES["registered_own"]


def test_a_copied_or_parametrised_figure_is_addressed_by_what_it_draws(tmp_path):
    """A course figure copied with another size, a figure drawn by a partial with other
    arguments, a closure over another value: each gets addresses of its own."""
    import functools
    from dataclasses import replace

    store = FrameStore(tmp_path)
    course = FIGURES["chain_product"]
    values = course.defaults()
    bigger = replace(course, figsize=(12, 6))
    assert store.key(bigger, values, 100) != store.key(course, values, 100)

    def scaled(fig, n, scale):
        fig.subplots().plot([scale * i for i in range(n)])

    def closure_over(scale):
        def draw(fig, n):
            fig.subplots().plot([scale * i for i in range(n)])

        return draw

    def own(draw):
        return InteractiveFigure("my_figure", "mine", draw, {"n": IntParam(1, 5, 2)}, {})

    partials = [own(functools.partial(scaled, scale=s)) for s in (1, 2, 1)]
    closures = [own(closure_over(s)) for s in (1, 2, 1)]
    for first, second, again in (partials, closures):
        keys = [store.key(f, {"n": 2}, 100) for f in (first, second, again)]
        assert keys[0] != keys[1] and keys[0] == keys[2]


def test_a_store_that_cannot_be_locked_or_is_held_too_long_never_stops_a_picture(tmp_path):
    """No lock to be had (a store this user cannot write): the panel draws, unclaimed. A frame
    held by another drawer past the claim's patience: drawn here too."""
    import fcntl
    import time

    unwritable = tmp_path / "unwritable"
    unwritable.mkdir()
    (unwritable / "locks").write_text("a file where the lock folder would be")
    panel = ControlPanel(FIGURES["chain_product"], store=FrameStore(unwritable))
    assert panel.error.value == "" and panel.image.format == "png"

    store = FrameStore(tmp_path / "store")
    key = "cd" + "0" * 62
    (store.folder / "locks").mkdir(parents=True)
    with open(store.folder / "locks" / f"{key}.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another drawer (another open file: it conflicts)
        start = time.monotonic()
        with store.claim(key, patience=0.5) as claim:
            waited = time.monotonic() - start
            assert claim.found is None and claim._lock is None
        assert 0.5 <= waited < 2
