"""The static form of an interactive figure: one captioned picture per preset, what a handout
shows in place of the live panel. Each caption carries the preset's setting line
(``figure.state``), which pasted into the live panel's "setting" box brings the picture back."""
from __future__ import annotations

import base64
import html

from ..figures import InteractiveFigure
from ..plots import new_figure
from .png import png_bytes
from .recycling import prepare

GALLERY_DPI = 100  # the live panel's resolution: the same picture on paper and on screen


class Gallery:
    def __init__(self, figure: InteractiveFigure, dpi: int = GALLERY_DPI):
        self.figure = figure
        self.panels = []
        for preset in figure.presets:
            values = figure.preset(preset)
            fig = figure.render(new_figure(figure.figsize, dpi=dpi), **values)
            for ax in fig.axes:
                prepare(ax)  # as in the live panel
            self.panels.append((preset, figure.caption(**values), figure.state(**values), png_bytes(fig)))

    def _repr_html_(self):
        items = "".join(
            f'<figure class="gallery-panel"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
            f"<figcaption><b>{html.escape(preset)}</b> — {html.escape(caption)}"
            f'<br><code class="gallery-setting">{html.escape(state)}</code></figcaption></figure>'
            for preset, caption, state, png in self.panels)
        title = html.escape(self.figure.title or self.figure.name)
        return (f'<div class="gallery-block" data-figure="{html.escape(self.figure.name)}">'
                f'<p class="gallery-title">{title} (interactive in the notebook; here, its presets)</p>'
                f'<div class="gallery">{items}</div></div>')

    def __repr__(self):
        return f"Gallery of {self.figure.name}: " + "; ".join(p for p, *_ in self.panels)
