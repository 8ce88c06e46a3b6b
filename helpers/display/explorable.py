"""The handout's form of an interactive figure: it still moves, without a kernel.

Its presets are buttons and each explored parameter (``figure.explore``) is a native range
slider with a label, the value shown and ``aria-valuetext``; they step through frames drawn when
the handout was built (``frames.frame``: the live panel's pixels, from the frame store). The
picture, its caption and its setting line change together; the setting line pasted into the live
panel's "setting" box gives the same picture.

Without script, and in print, the block is today's gallery: one captioned picture per preset,
one per row (the handout's CSS shows the explorer on screen only). Every frame is stored once
in the page: the gallery's pictures are the presets' frames, and the other frames wait as base64
text that is decoded only when the slider reaches them. The page's script that brings the block
to life is ``templates/handout/explorable.js``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json

from ..figures import InteractiveFigure
from ..framestore import description_of
from .frames import FRAME_DPI, frame

_ids = itertools.count()


def value_text(param, name: str, value) -> str:
    """What a screen reader says for a slider's value: 'depth 20 layers'."""
    unit = getattr(param, "unit", "")
    return f"{param.label or name} {param.format(value)}" + (f" {unit}" if unit else "")


class Explorable:
    """``frames_from``: an earlier block of the same figure in the same page (a notebook that
    shows a figure twice); this one then uses its frames, and prints no gallery of its own."""

    def __init__(
        self,
        figure: InteractiveFigure,
        store=None,
        dpi: int = FRAME_DPI,
        frames_from: "Explorable | None" = None,
    ):
        self.figure = figure
        self.dpi = dpi
        self.frames_from = frames_from
        self.id = f"explore-{figure.name}-{next(_ids)}"
        if frames_from is not None:
            if frames_from.figure is not figure or frames_from.dpi != dpi:
                raise ValueError(f"frames_from must be a block of {figure.name!r} at {dpi} dpi")
            self.names, self.values = frames_from.names, frames_from.values
            self.presets, self.points, self.frames = frames_from.presets, frames_from.points, {}
            self.descriptions = frames_from.descriptions
            return
        self.names = list(figure.explore)
        self.values = {name: figure.explore_values(name) for name in self.names}
        self.frames: dict[str, bytes] = {}  # digest -> WebP bytes, each frame once
        self.points: dict[str, list] = {}  # "preset|i|j" -> [digest, caption, setting]
        self.descriptions: dict[str, str] = {}  # digest -> what the frame shows, with numbers
        self.presets = []  # per preset: name, start indices, which sliders change nothing
        for index, preset in enumerate(figure.presets):
            base = figure.preset(preset)
            relevant = set(figure.relevant_names(base))
            self.presets.append(
                {
                    "name": preset,
                    "start": [self.values[n].index(base[n]) for n in self.names],
                    "inert": [n not in relevant for n in self.names],
                }
            )
        for preset, values in figure.frame_grid():
            data = frame(figure, values, store, dpi)
            digest = hashlib.sha256(data).hexdigest()[:16]
            self.frames.setdefault(digest, data)
            self.descriptions[digest] = description_of(data) or ""
            index = list(figure.presets).index(preset)
            key = "|".join(
                [str(index)] + [str(self.values[n].index(values[n])) for n in self.names]
            )
            self.points[key] = [digest, figure.caption(**values), figure.state(**values)]

    def alt(self, digest: str, caption: str) -> str:
        """A frame's text alternative: the figure's title and setting, then what the picture
        shows, read from its data when it was drawn (``helpers.describe``)."""
        title = self.figure.title or self.figure.name
        return f"{title}: {caption}. {self.descriptions.get(digest, '')}".strip()

    def _point(self, preset_index: int, indices) -> list:
        return self.points["|".join([str(preset_index)] + [str(i) for i in indices])]

    def _gallery(self) -> str:
        title = self.figure.title or self.figure.name
        if self.frames_from is not None:
            return (
                f'<p class="explorable-same">The same figure as above ("{html.escape(title)}"): '
                f"its presets are printed there.</p>"
            )
        items = []
        for index, preset in enumerate(self.presets):
            digest, caption, state = self._point(index, preset["start"])
            items.append(
                f'<figure class="gallery-panel"><img data-frame="{digest}" '
                f'alt="{html.escape(self.alt(digest, caption))}" '
                f'src="data:image/webp;base64,{_b64(self.frames[digest])}"/>'
                f"<figcaption><b>{html.escape(preset['name'])}</b> — {html.escape(caption)}"
                f"<br><code "
                f'class="gallery-setting">{html.escape(state)}</code></figcaption></figure>'
            )
        return f'<div class="gallery">{"".join(items)}</div>'

    def _sliders(self) -> str:
        start = self.presets[0]["start"]
        rows = []
        for position, name in enumerate(self.names):
            param = self.figure.params[name]
            values = self.values[name]
            here = values[start[position]]
            control = f"{self.id}-{name}"
            rows.append(
                f'<div class="explorer-slider"><label '
                f'for="{control}">{html.escape(param.label or name)}</label>'
                f'<input type="range" id="{control}" min="0" max="{len(values) - 1}" step="1" '
                f'value="{start[position]}" '
                f'aria-valuetext="{html.escape(value_text(param, name, here))}"/>'
                f'<output for="{control}">{html.escape(param.format(here))}</output></div>'
            )
        return "".join(rows)

    def _data(self) -> dict:
        sliders = []
        for name in self.names:
            param = self.figure.params[name]
            sliders.append(
                {
                    "name": name,
                    "label": param.label or name,
                    "shown": [param.format(v) for v in self.values[name]],
                    "spoken": [value_text(param, name, v) for v in self.values[name]],
                }
            )
        return {
            "sliders": sliders,
            "presets": self.presets,
            "points": self.points,
            "title": self.figure.title or self.figure.name,
            "descriptions": self.descriptions if self.frames_from is None else {},
        }

    def _repr_html_(self) -> str:
        shown = {self._point(i, p["start"])[0] for i, p in enumerate(self.presets)}
        shared = (
            f' data-frames-from="{self.frames_from.id}"' if self.frames_from is not None else ""
        )
        pending = {d: _b64(data) for d, data in self.frames.items() if d not in shown}
        title = html.escape(self.figure.title or self.figure.name)
        width, height = (round(v * self.dpi) for v in self.figure.figsize)
        buttons = "".join(
            f'<button type="button" data-preset="{i}" '
            f'aria-pressed="{"true" if i == 0 else "false"}">'
            f"{html.escape(p['name'])}</button>"
            for i, p in enumerate(self.presets)
        )
        explored = ", ".join(html.escape(self.figure.params[n].label or n) for n in self.names)
        return (
            f'<div class="explorable" data-figure="{html.escape(self.figure.name)}" '
            f'id="{self.id}"{shared}>'
            f'<p class="gallery-title">{title}</p>'
            f'<div class="explorer" hidden>'
            f'<p class="explorer-help">Pick a preset, then move the {explored} slider (mouse or '
            f"arrow "
            f"keys): every picture was drawn by the notebook's own code when this handout was "
            f"built."
            f"</p>"
            f'<div class="explorer-presets" role="group" aria-label="Presets: '
            f'{title}">{buttons}</div>'
            f"{self._sliders()}"
            f'<figure class="explorer-figure"><img class="explorer-picture" width="{width}" '
            f'height="{height}" alt=""/><figcaption><b class="explorer-preset"></b>'
            f'<span class="explorer-caption"></span> <span class="explorer-note"></span><br>'
            f'<code class="gallery-setting explorer-setting"></code></figcaption></figure>'
            f'<details class="explorer-details"><summary>What the picture shows</summary>'
            f'<p class="explorer-description"></p></details></div>'
            f"{self._gallery()}"
            f'<script type="application/json" '
            f'class="explorable-data">{_json(self._data())}</script>'
            f'<script type="application/json" '
            f'class="explorable-frames">{_json(pending)}</script></div>'
        )

    def __repr__(self):
        sliders = ", ".join(f"{n} at {len(v)} values" for n, v in self.values.items())
        return (
            f"Explorable {self.figure.name}: {len(self.presets)} presets x {sliders}; "
            f"{len(self.frames)} distinct frames"
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _json(value) -> str:
    """JSON safe inside a <script> element (no '</' can end it early)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
