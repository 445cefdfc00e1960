// trackcast line and zone editor: draw counting lines and polygon zones over the camera view and
// save them with PATCH /api/cameras/{id}. Plain JavaScript, no build step; loads after viewer.js.
//
// New shapes are kept in normalized coordinates (fractions of the picture's width and height), so
// they do not depend on the size the picture is shown at. Lines and zones that were already saved
// are sent back unchanged, in whatever coordinates they were given.
"use strict";

(() => {
  const viewer = window.trackcastViewer;
  const $ = (id) => document.getElementById(id);
  const SAME_POINT = 0.005;   // a click this close to the previous corner adds none (double-clicks)
  const STREAMING_WAIT_MS = 10000;

  const editor = viewer.editor = {
    active: false,
    camera: null,
    draft: { lines: [], zones: [] },   // what Save sends
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
    editor.draft = { lines: [...camera.lines], zones: [...camera.zones] };
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

  function onKey(event) {
    if (!editor.active) return;
    if (event.key === "Enter" && tool() === "zone" && editor.points.length) {
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

  // A zone needs three corners; fewer are sent anyway, so that the server's own check explains.
  function finishZone() {
    const polygon = editor.points.map(round);
    editor.points = [];
    if (polygon.length < 2) return;
    editor.draft.zones.push({ name: $("region-name").value.trim(), coordinates: "normalized",
      polygon });
    afterShape();
  }

  function afterShape() {
    showList();
    suggestName();
    showMessage("Not saved yet.");
  }

  // The next free name of the form line1, line2, ... (or zone1, ...).
  function suggestName() {
    const taken = new Set([...editor.draft.lines, ...editor.draft.zones].map((r) => r.name));
    let n = 1;
    while (taken.has(tool() + n)) n += 1;
    $("region-name").value = tool() + n;
  }

  function onToolChange() {
    editor.points = [];
    $("editor").classList.toggle("zone-tool", tool() === "zone");
    suggestName();
  }

  // -- the list ---------------------------------------------------------------------------------

  function showList() {
    const items = [
      ...editor.draft.lines.map((line) => listItem("line", line,
        `${line.in_name || "in"} / ${line.out_name || "out"}`)),
      ...editor.draft.zones.map((zone) => listItem("zone", zone,
        `${zone.polygon.length} corners`)),
    ];
    $("region-list").replaceChildren(...items);
  }

  function listItem(kind, region, detail) {
    const item = document.createElement("li");
    item.dataset.kind = kind;
    item.dataset.name = region.name;
    const label = document.createElement("span");
    label.textContent = `${kind} ${region.name} (${detail})`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete ${kind} ${region.name}`);
    remove.addEventListener("click", () => removeRegion(kind, region));
    item.append(label, remove);
    return item;
  }

  function removeRegion(kind, region) {
    const key = kind === "line" ? "lines" : "zones";
    editor.draft[key] = editor.draft[key].filter((r) => r !== region);
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
    let response;
    try {
      response = await viewer.api(cameraPath(cameraId), {
        method: "PATCH", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(editor.draft),
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
      return "Not saved (403): this token may only view. Enter an admin token to change lines and zones.";
    }
    let detail;
    try { detail = (await response.json()).detail; } catch (error) { detail = null; }
    const head = `Not saved: the server refused the lines and zones (${response.status})`;
    if (Array.isArray(detail)) return head + "\n" + detail.map(describeError).join("\n");
    return detail ? `${head}: ${detail}` : head;
  }

  // One validation error as "zone yard, polygon: Tuple should have at least 3 items ...".
  function describeError(error) {
    const loc = (error.loc || []).filter((part) => part !== "body");
    const [key, index, ...rest] = loc;
    const region = (key === "lines" || key === "zones") && editor.draft[key][index];
    const where = region ? [`${key.slice(0, -1)} ${region.name}`, ...rest] : loc;
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
    if (editor.active && tool() === "zone") { event.preventDefault(); finishZone(); }
  });
  $("overlay").addEventListener("mousemove", (event) => { editor.pointer = normalizedAt(event); });
  $("overlay").addEventListener("mouseleave", () => { editor.pointer = null; });
  document.addEventListener("keydown", onKey);
  for (const input of document.querySelectorAll('input[name="tool"]')) {
    input.addEventListener("change", onToolChange);
  }
})();
