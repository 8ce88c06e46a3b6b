// The handout's explorable figures (helpers/display/explorable.py writes their blocks): preset
// buttons and native range sliders that step through frames drawn when the handout was built.
// No kernel, no network. Without this script a block is its printed gallery.
(function () {
  "use strict";

  function start(block) {
    var data = JSON.parse(block.querySelector("script.explorable-data").textContent);
    // a figure shown twice in a page keeps its frames in its first block
    var owner = block.hasAttribute("data-frames-from")
      ? document.getElementById(block.getAttribute("data-frames-from")) : block;
    var shown = {}; // digest -> the gallery picture's data URL (each frame is in the page once)
    owner.querySelectorAll(".gallery img[data-frame]").forEach(function (img) {
      shown[img.getAttribute("data-frame")] = img.getAttribute("src");
    });
    function source(digest) {
      if (shown[digest]) return shown[digest];
      if (!owner.pendingFrames) { // the frames not in the gallery: parsed when first needed
        owner.pendingFrames = JSON.parse(owner.querySelector("script.explorable-frames").textContent);
      }
      return "data:image/webp;base64," + owner.pendingFrames[digest];
    }
    var explorer = block.querySelector(".explorer");
    var picture = explorer.querySelector(".explorer-picture");
    var presetName = explorer.querySelector(".explorer-preset");
    var caption = explorer.querySelector(".explorer-caption");
    var note = explorer.querySelector(".explorer-note");
    var setting = explorer.querySelector(".explorer-setting");
    var description = explorer.querySelector(".explorer-description");
    var descriptions = (owner === block ? data : JSON.parse(
      owner.querySelector("script.explorable-data").textContent)).descriptions || {};
    var buttons = Array.prototype.slice.call(explorer.querySelectorAll("button[data-preset]"));
    var sliders = Array.prototype.slice.call(explorer.querySelectorAll("input[type=range]"));
    var outputs = sliders.map(function (s) { return s.parentNode.querySelector("output"); });
    var preset = 0;

    function show() {
      var indices = sliders.map(function (s) { return s.value; });
      var point = data.points[[preset].concat(indices).join("|")];
      var base = data.presets[preset];
      picture.src = source(point[0]);
      // the text alternative, read from the frame's data when it was drawn
      picture.alt = data.title + ": " + point[1] + ". " + (descriptions[point[0]] || "");
      description.textContent = descriptions[point[0]] || "";
      presetName.textContent = base.name;
      var moved = [];
      sliders.forEach(function (slider, i) {
        var info = data.sliders[i];
        slider.setAttribute("aria-valuetext", info.spoken[slider.value]);
        outputs[i].textContent = info.shown[slider.value];
        if (String(base.start[i]) !== slider.value) moved.push(info.spoken[slider.value]);
      });
      caption.textContent = (moved.length ? ", moved to " + moved.join(", ") : "") + " — " + point[1];
      var inert = data.sliders.filter(function (info, i) { return base.inert[i]; })
        .map(function (info) { return info.label; });
      note.textContent = inert.length
        ? "(" + inert.join(", ") + " does not change this preset's picture: the preset fixes what it acts on)"
        : "";
      setting.textContent = point[2];
      buttons.forEach(function (button, i) {
        button.setAttribute("aria-pressed", i === preset ? "true" : "false");
      });
    }

    function choose(i) { // a preset: its setting, each slider at the preset's own value
      preset = i;
      sliders.forEach(function (slider, k) {
        slider.value = String(data.presets[i].start[k]);
        slider.disabled = !!data.presets[i].inert[k];
      });
      show();
    }

    buttons.forEach(function (button, i) {
      button.addEventListener("click", function () { choose(i); });
    });
    sliders.forEach(function (slider) { slider.addEventListener("input", show); });
    explorer.hidden = false;
    block.classList.add("explorable-live"); // the screen shows the explorer, print the gallery
    choose(0);
  }

  function startAll() {
    document.querySelectorAll(".explorable").forEach(function (block) {
      try { start(block); } catch (error) { console.error("explorable figure", block.id, error); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
