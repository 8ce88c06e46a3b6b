// The course's widgets for screen readers and keyboards (ipywidgets 8 sets no ARIA names of its
// own: jupyter-widgets/ipywidgets#2650). Loaded once per page — by the course's Voilà template,
// and by helpers.show() in JupyterLab — it watches the page and, for every control panel:
//  - names each slider's handle after its label (aria-label) and says its value as shown
//    (aria-valuetext: the readout, or the number box of a log slider);
//  - gives the live picture its text alternative (alt), from the hidden part of the panel's
//    status line (.helpers-alt), which the kernel rewrites from the drawn data at every redraw;
//  - announces the headline of a new picture in a polite live region, once a burst of slider
//    moves has settled (1 s without a new picture), not at every frame.
(function () {
  if (window.__courseA11y) return;
  window.__courseA11y = true;
  const SETTLE_MS = 1000;
  const timers = new WeakMap();

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, ' ').trim() : '';
  }

  function setAttr(el, name, value) {
    if (value && el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function nameControls(panel) {
    panel.querySelectorAll('.widget-slider').forEach(function (slider) {
      const handle = slider.querySelector('.noUi-handle');
      if (!handle) return;
      const row = slider.closest('.widget-hbox') || slider;
      setAttr(handle, 'aria-label', text(slider.querySelector('.widget-label')));
      const readout = slider.querySelector('.widget-readout');
      const box = row.querySelector('input[type=number]');
      const shown = readout && readout.offsetParent !== null ? text(readout) : '';
      setAttr(handle, 'aria-valuetext', shown || (box ? box.value : ''));
    });
    panel.querySelectorAll('input[type=number], input[type=text], select').forEach(function (el) {
      if (el.getAttribute('aria-label') || (el.id && panel.querySelector('label[for="' + el.id + '"]'))) return;
      const holder = el.closest('.widget-inline-hbox, .widget-text, .widget-dropdown');
      let name = holder ? text(holder.querySelector('.widget-label')) : '';
      if (!name && el.closest('.widget-hbox')) {  // a log slider's number box: the slider's name
        name = text(el.closest('.widget-hbox').querySelector('.widget-slider .widget-label'));
      }
      setAttr(el, 'aria-label', name);
    });
  }

  function describePicture(panel) {
    const img = panel.querySelector('.widget-image');
    const description = panel.querySelector('.helpers-alt');
    if (!img || !description) return;
    const alt = text(description);
    if (img.getAttribute('alt') === alt) return;
    img.setAttribute('alt', alt);
    let live = panel.querySelector('.helpers-announce');
    if (!live) {
      live = document.createElement('div');
      live.className = 'helpers-announce';
      live.setAttribute('aria-live', 'polite');
      live.setAttribute('role', 'status');
      panel.appendChild(live);
    }
    clearTimeout(timers.get(panel));
    timers.set(panel, setTimeout(function () {
      live.textContent = text(panel.querySelector('.helpers-headline')) || alt.split('. ')[0];
    }, SETTLE_MS));
  }

  let queued = false;
  function sweep() {
    queued = false;
    document.querySelectorAll('.helpers-panel').forEach(function (panel) {
      nameControls(panel);
      describePicture(panel);
    });
  }
  function soon() {
    if (!queued) {
      queued = true;
      requestAnimationFrame(sweep);
    }
  }
  new MutationObserver(soon).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['src', 'value', 'aria-valuenow', 'style'],
  });
  document.addEventListener('input', soon, true);
  soon();
})();
