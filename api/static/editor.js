// trackcast camera editor: draw counting lines, polygon zones, ignore masks (detections inside
// are dropped before tracking) and privacy zones (always black in what the camera publishes) over
// the camera view, set per-class filters, and save them all with PATCH /api/cameras/{id}. Plain
// JavaScript, no build step; loads after viewer.js.
//
// New shapes are kept in normalized coordinates (fractions of the picture's width and height), so
// they do not depend on the size the picture is shown at. Shapes that were already saved are sent
// back unchanged, in whatever coordinates they were given.
"use strict";

(() => {
  const viewer = window.trackcastViewer;
  const $ = (id) => document.getElementById(id);
  const SAME_POINT = 0.005;   // a click this close to the previous corner adds none (double-clicks)
  const STREAMING_WAIT_MS = 10000;

  const editor = viewer.editor = {
    active: false,
    camera: null,
    // What Save sends: filters null means the service's; privacy keeps the camera's other
    // privacy settings (classes, mode, ...) as they were, with the zones drawn here.
    draft: { lines: [], zones: [], ignore: [], filters: null, privacyZones: [] },
    privacy: {},                       // the camera's privacy settings, as the server sent them
    points: [],                        // the shape being drawn, normalized
    pointer: null,                     // the mouse, normalized, for the rubber band
    stillSize: null,                   // [width, height] of the camera's snapshot
    draw: drawEditor,
  };

  // -- entering and leaving ---------------------------------------------------------------------

  async function open() {
    const cameraId = viewer.camera;
    if (!cameraId) return;
    Object.assign(editor, { active: true, camera: cameraId, points: [], pointer: null,
      stillSize: null });
    $("edit").setAttribute("aria-pressed", "true");
    $("editor").hidden = false;
    $("stage").classList.add("editing");
    showMessage("");
    const camera = await fetchCamera(cameraId);
    if (camera) setDraft(camera);
    loadStill(cameraId);
    requestAnimationFrame(paint);
  }

  function close() {
    Object.assign(editor, { active: false, camera: null, points: [], pointer: null });
    $("edit").setAttribute("aria-pressed", "false");
    $("editor").hidden = true;
    $("stage").classList.remove("editing", "still");
    $("still").hidden = true;
    $("still").removeAttribute("src");
    const canvas = $("overlay");
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }

  function setDraft(camera) {
    const privacy = camera.privacy || {};
    editor.privacy = privacy;
    editor.draft = {
      lines: [...camera.lines], zones: [...camera.zones], ignore: [...(camera.ignore || [])],
      filters: camera.filters ? { ...camera.filters } : null,
      privacyZones: [...(privacy.zones || [])],
    };
    showList();
    suggestName();
  }

  // -- the picture's size -----------------------------------------------------------------------

  function liveSize() {
    const video = $("video"), img = $("mjpeg");
    if (viewer.mode === "webrtc" && video.videoWidth) return [video.videoWidth, video.videoHeight];
    if (viewer.mode === "mjpeg" && img.naturalWidth) return [img.naturalWidth, img.naturalHeight];
    return null;
  }

  // Without live video the editor draws over the camera's snapshot, at the snapshot's size.
  function loadStill(cameraId) {
    const still = $("still");
    still.onload = () => { editor.stillSize = [still.naturalWidth, still.naturalHeight]; };
    still.src = viewer.withToken(`/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg`) +
      (viewer.token ? "&" : "?") + "t=" + Date.now();
  }

  function frameSize() { return liveSize() || editor.stillSize; }

  // Each animation frame: show the snapshot while there is no live picture, and redraw the
  // shapes unless WebRTC video is playing (then the viewer redraws them with every video frame).
  function paint() {
    if (!editor.active) return;
    requestAnimationFrame(paint);
    const live = liveSize();
    const still = !live && editor.stillSize !== null;
    $("stage").classList.toggle("still", still);
    $("still").hidden = !still;
    if (viewer.mode === "webrtc" && live) return;
    const size = frameSize();
    if (!size) return;
    const canvas = $("overlay");
    if (canvas.width !== size[0] || canvas.height !== size[1]) [canvas.width, canvas.height] = size;
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    drawEditor(g, canvas.width, canvas.height);
  }

  // -- drawing ----------------------------------------------------------------------------------

  function toCanvas(region, width, height) {
    if (region.coordinates === "normalized") return viewer.regionPoints(region, width, height);
    const size = frameSize() || [width, height];   // pixels of the frame, scaled to the canvas
    return viewer.regionPoints(region, width, height)
      .map(([x, y]) => [x * width / size[0], y * height / size[1]]);
  }

  function drawEditor(g, width, height) {
    g.lineWidth = 2;
    g.font = "12px sans-serif";
    editor.draft.privacyZones.forEach((zone, i) =>
      drawPrivacy(g, `privacy ${i + 1}`, toCanvas(zone, width, height)));
    editor.draft.ignore.forEach((mask, i) =>
      drawIgnore(g, `ignore ${i + 1}`, toCanvas(mask, width, height)));
    for (const zone of editor.draft.zones) drawZone(g, zone.name, toCanvas(zone, width, height));
    for (const line of editor.draft.lines) drawLine(g, line, toCanvas(line, width, height));
    drawShapeInProgress(g, width, height);
  }

  function drawZone(g, name, points) {
    g.strokeStyle = g.fillStyle = "rgba(80, 160, 255, 0.9)";
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.stroke();
    g.fillText(name, points[0][0] + 3, points[0][1] + 14);
  }

  // An ignore mask: hatched red, so that what lies under it still shows.
  function drawIgnore(g, name, points) {
    g.strokeStyle = g.fillStyle = "rgba(255, 70, 70, 0.9)";
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.save();
    g.fillStyle = "rgba(255, 70, 70, 0.25)";
    g.fill();
    g.restore();
    g.setLineDash([8, 4]);
    g.stroke();
    g.setLineDash([]);
    g.fillText(name, points[0][0] + 3, points[0][1] + 14);
  }

  // A privacy zone: black, as the published picture will show it once saved.
  function drawPrivacy(g, name, points) {
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.fillStyle = "rgba(0, 0, 0, 0.85)";
    g.fill();
    g.strokeStyle = g.fillStyle = "rgba(200, 120, 255, 0.9)";
    g.stroke();
    g.fillText(name, points[0][0] + 3, points[0][1] + 14);
  }

  // A line with its name at A and its direction names on either side of its middle.
  function drawLine(g, line, [a, b]) {
    g.strokeStyle = g.fillStyle = "rgba(255, 200, 0, 0.9)";
    g.beginPath();
    g.moveTo(a[0], a[1]);
    g.lineTo(b[0], b[1]);
    g.stroke();
    g.fillText(line.name, a[0] + 3, a[1] - 4);
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    const right = [-(b[1] - a[1]) / length * 14, (b[0] - a[0]) / length * 14];
    const middle = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    g.fillText(line.in_name || "in", middle[0] + right[0], middle[1] + right[1]);
    g.fillText(line.out_name || "out", middle[0] - right[0], middle[1] - right[1]);
  }

  function drawShapeInProgress(g, width, height) {
    const points = editor.points.map(([x, y]) => [x * width, y * height]);
    if (!points.length) return;
    if (editor.pointer) points.push([editor.pointer[0] * width, editor.pointer[1] * height]);
    g.strokeStyle = g.fillStyle = "rgba(255, 255, 255, 0.95)";
    g.setLineDash([6, 4]);
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.stroke();
    g.setLineDash([]);
    for (const [x, y] of points.slice(0, editor.points.length)) g.fillRect(x - 3, y - 3, 6, 6);
  }

  // -- clicks and keys --------------------------------------------------------------------------

  function tool() { return document.querySelector('input[name="tool"]:checked').value; }

  function normalizedAt(event) {
    const rect = $("overlay").getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((event.clientX - rect.left) / rect.width),
      clamp((event.clientY - rect.top) / rect.height)];
  }

  function onClick(event) {
    if (!editor.active) return;
    const point = normalizedAt(event);
    const last = editor.points[editor.points.length - 1];
    if (last && Math.hypot(point[0] - last[0], point[1] - last[1]) < SAME_POINT) return;
    editor.points.push(point);
    if (tool() === "line" && editor.points.length === 2) finishLine();
  }

  const isPolygonTool = () => tool() !== "line";

  function onKey(event) {
    if (!editor.active || event.target.closest("#filter-form")) return;
    if (event.key === "Enter" && isPolygonTool() && editor.points.length) {
      event.preventDefault();
      finishZone();
    } else if (event.key === "Escape") {
      editor.points = [];
    }
  }

  const round = ([x, y]) => [Math.round(x * 10000) / 10000, Math.round(y * 10000) / 10000];

  function finishLine() {
    const [a, b] = editor.points.map(round);
    editor.points = [];
    editor.draft.lines.push({ name: $("region-name").value.trim(), coordinates: "normalized",
      points: [a, b], in_name: $("in-name").value.trim(), out_name: $("out-name").value.trim() });
    afterShape();
  }

  // A polygon needs three corners; fewer are sent anyway, so that the server's own check explains.
  function finishZone() {
    const polygon = editor.points.map(round);
    editor.points = [];
    if (polygon.length < 2) return;
    const kind = tool();
    if (kind === "ignore") {
      const classes = $("ignore-classes").value.split(",").map((c) => c.trim()).filter(Boolean);
      editor.draft.ignore.push({ coordinates: "normalized", polygon, classes,
        anchor: $("ignore-anchor").value });
    } else if (kind === "privacy") {
      editor.draft.privacyZones.push({ coordinates: "normalized", polygon });
    } else {
      editor.draft.zones.push({ name: $("region-name").value.trim(), coordinates: "normalized",
        polygon });
    }
    afterShape();
  }

  // A class filter from the form: empty limits are left to the server's defaults.
  function addFilter(event) {
    event.preventDefault();
    const name = $("filter-class").value.trim();
    if (!name) return;
    const limits = {};
    for (const [key, id] of [["min_score", "filter-min-score"], ["min_area", "filter-min-area"],
      ["max_area", "filter-max-area"]]) {
      const value = $(id).value.trim();
      if (value !== "") limits[key] = Number(value);
    }
    editor.draft.filters = { ...(editor.draft.filters || {}), [name]: limits };
    for (const id of ["filter-class", "filter-min-score", "filter-min-area", "filter-max-area"]) {
      $(id).value = "";
    }
    afterShape();
  }

  function afterShape() {
    showList();
    suggestName();
    showMessage("Not saved yet.");
  }

  // The next free name of the form line1, line2, ... (or zone1, ...).
  function suggestName() {
    if (tool() !== "line" && tool() !== "zone") return;
    const taken = new Set([...editor.draft.lines, ...editor.draft.zones].map((r) => r.name));
    let n = 1;
    while (taken.has(tool() + n)) n += 1;
    $("region-name").value = tool() + n;
  }

  function onToolChange() {
    editor.points = [];
    $("editor").dataset.tool = tool();
    suggestName();
  }

  // -- the list ---------------------------------------------------------------------------------

  function showList() {
    const items = [
      ...editor.draft.lines.map((line) => listItem("line", line.name,
        `${line.in_name || "in"} / ${line.out_name || "out"}`, () => removeFrom("lines", line))),
      ...editor.draft.zones.map((zone) => listItem("zone", zone.name,
        `${zone.polygon.length} corners`, () => removeFrom("zones", zone))),
      ...editor.draft.ignore.map((mask, i) => listItem("ignore mask", String(i + 1),
        `${mask.polygon.length} corners; ${mask.classes && mask.classes.length ?
          "classes " + mask.classes.join(", ") : "every class"}; anchor ${mask.anchor ||
          "bottom_center"}`, () => removeFrom("ignore", mask))),
      ...editor.draft.privacyZones.map((zone, i) => listItem("privacy zone", String(i + 1),
        `${zone.polygon.length} corners`, () => removeFrom("privacyZones", zone))),
      ...Object.entries(editor.draft.filters || {}).map(([name, limits]) => listItem("filter",
        name, describeLimits(limits), () => removeFilter(name))),
    ];
    $("region-list").replaceChildren(...items);
    $("filters-source").textContent = editor.draft.filters === null ?
      "(none of its own: the service's filters apply)" : "";
  }

  function describeLimits(limits) {
    const parts = Object.entries(limits).map(([key, value]) => `${key.replace("_", " ")} ${value}`);
    return parts.length ? parts.join(", ") : "no limits";
  }

  function listItem(kind, name, detail, remover) {
    const item = document.createElement("li");
    item.dataset.kind = kind;
    item.dataset.name = name;
    const label = document.createElement("span");
    label.textContent = `${kind} ${name} (${detail})`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete ${kind} ${name}`);
    remove.addEventListener("click", remover);
    item.append(label, remove);
    return item;
  }

  function removeFrom(key, region) {
    editor.draft[key] = editor.draft[key].filter((r) => r !== region);
    afterShape();
  }

  function removeFilter(name) {
    const { [name]: _, ...rest } = editor.draft.filters;
    editor.draft.filters = rest;
    afterShape();
  }

  // -- saving -----------------------------------------------------------------------------------

  function cameraPath(cameraId) { return `/api/cameras/${encodeURIComponent(cameraId)}`; }

  async function fetchCamera(cameraId) {
    try {
      const response = await viewer.api(cameraPath(cameraId));
      if (response.ok) return await response.json();
      showMessage(`GET ${cameraPath(cameraId)}: ${response.status}`, true);
    } catch (error) {
      showMessage(String(error.message || error), true);
    }
    return null;
  }

  // The server answers a name used twice with an error 500 for now: say it here instead.
  function nameUsedTwice() {
    const names = [...editor.draft.lines, ...editor.draft.zones].map((r) => r.name);
    return names.find((name, i) => names.indexOf(name) !== i);
  }

  async function save() {
    const cameraId = editor.camera;
    const twice = nameUsedTwice();
    if (twice !== undefined) {
      showMessage(`Not saved: the name ${twice} is used twice; delete one of them.`, true);
      return;
    }
    showMessage("Saving…");
    const { lines, zones, ignore, filters, privacyZones } = editor.draft;
    const body = { lines, zones, ignore, filters,
      privacy: { ...editor.privacy, zones: privacyZones } };
    let response;
    try {
      response = await viewer.api(cameraPath(cameraId), {
        method: "PATCH", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      showMessage("Not saved: " + String(error.message || error), true);
      return;
    }
    if (!response.ok) {
      showMessage(await refusal(response), true);
      return;
    }
    setDraft(await response.json());
    showMessage("Saved. Reconnecting the video…");
    await reconnect(cameraId);
    if (editor.camera === cameraId) showMessage("Saved.");
  }

  async function refusal(response) {
    if (response.status === 403) {
      return "Not saved (403): this token may only view. Enter an admin token to change the camera.";
    }
    let detail;
    try { detail = (await response.json()).detail; } catch (error) { detail = null; }
    const head = `Not saved: the server refused the changes (${response.status})`;
    if (Array.isArray(detail)) return head + "\n" + detail.map(describeError).join("\n");
    return detail ? `${head}: ${detail}` : head;
  }

  // One validation error as "zone yard, polygon: Tuple should have at least 3 items ...",
  // "ignore mask 2, polygon: ...", "privacy zone 1, ..." or "filter person: ...".
  function describeError(error) {
    const loc = (error.loc || []).filter((part) => part !== "body");
    const [key, index, ...rest] = loc;
    let where = loc;
    const region = (key === "lines" || key === "zones") && editor.draft[key][index];
    if (region) where = [`${key.slice(0, -1)} ${region.name}`, ...rest];
    else if (key === "ignore" && typeof index === "number") {
      where = [`ignore mask ${index + 1}`, ...rest];
    } else if (key === "filters" && index !== undefined) where = [`filter ${index}`, ...rest];
    else if (key === "privacy" && index === "zones" && typeof rest[0] === "number") {
      where = [`privacy zone ${rest[0] + 1}`, ...rest.slice(1)];
    }
    return `${where.join(", ")}: ${error.msg}`;
  }

  // A PATCH restarts the camera, which ends its WebRTC sessions: wait for it to stream again,
  // then reopen the view with the saved lines and zones.
  async function reconnect(cameraId) {
    const deadline = performance.now() + STREAMING_WAIT_MS;
    let camera = await fetchCamera(cameraId);
    while (camera && camera.state !== "streaming" && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      camera = await fetchCamera(cameraId);
    }
    if (!camera || viewer.camera !== cameraId) return;
    await viewer.open(cameraId, camera);
  }

  function showMessage(text, isError = false) {
    const message = $("editor-message");
    message.textContent = text;
    message.classList.toggle("error", isError);
  }

  // -- wiring -----------------------------------------------------------------------------------

  $("edit").addEventListener("click", () => (editor.active ? close() : open()));
  $("close-editor").addEventListener("click", close);
  $("back").addEventListener("click", close);
  $("save-regions").addEventListener("click", save);
  $("overlay").addEventListener("click", onClick);
  $("overlay").addEventListener("dblclick", (event) => {
    if (editor.active && isPolygonTool()) { event.preventDefault(); finishZone(); }
  });
  $("overlay").addEventListener("mousemove", (event) => { editor.pointer = normalizedAt(event); });
  $("overlay").addEventListener("mouseleave", () => { editor.pointer = null; });
  document.addEventListener("keydown", onKey);
  $("filter-form").addEventListener("submit", addFilter);
  for (const input of document.querySelectorAll('input[name="tool"]')) {
    input.addEventListener("change", onToolChange);
  }
})();
