// trackcast live view: camera grid, WHEP video with tracks drawn on the displayed frame, MJPEG
// fallback, live events. Plain JavaScript, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const EVENT_TYPES = ["track.started", "track.ended", "line.crossed", "zone.entered",
  "zone.exited", "zone.loitering"];
const TRAIL_LENGTH = 30;
const KEPT_MESSAGES = 300;

// Everything a test (or a curious user in the console) may want to read.
const viewer = window.trackcastViewer = {
  token: new URLSearchParams(location.search).get("token") || localStorage.getItem("trackcast.token") || "",
  camera: null, mode: null, pc: null, location: null,
  framesShown: 0, framesMatched: 0, fps: 0, delayMs: null, firstFrameMs: null,
  shiftFrames: 0,       // draw the tracks of the frame this many frames earlier (tests only)
  onDrawn: null,        // called as onDrawn(metadata, message) after each overlay draw
  lastMessage: null,
};

let rtpOrigin = null;
let messages = new Map();   // ts -> frame message
let order = [];             // message ts in arrival order
let trails = new Map();     // track id -> [[x, y], ...]
let regions = { lines: [], zones: [] };
let events = null;
let openedAt = 0;
let rateWindow = [];

function withToken(url) {
  if (!viewer.token) return url;
  return url + (url.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(viewer.token);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (viewer.token) headers.Authorization = "Bearer " + viewer.token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    $("token-form").hidden = false;
    throw new Error("an API token is required");
  }
  return response;
}

function setStatus(text) { $("status").textContent = text; }

// -- camera grid ------------------------------------------------------------------------------

async function loadCameras() {
  let cameras;
  try {
    const response = await api("/api/cameras");
    if (!response.ok) throw new Error("GET /api/cameras: " + response.status);
    cameras = await response.json();
  } catch (error) {
    setStatus(String(error.message || error));
    return;
  }
  $("token-form").hidden = true;
  const grid = $("grid");
  grid.replaceChildren(...cameras.map((camera) => {
    const card = document.createElement("button");
    card.className = "camera";
    card.type = "button";
    card.dataset.camera = camera.id;
    const fps = camera.health && camera.health.fps_in != null ? camera.health.fps_in.toFixed(1) : "-";
    card.innerHTML = `<img alt=""><div><strong></strong> <span class="state"></span></div>
      <small>${fps} fps in</small>`;
    card.querySelector("strong").textContent = camera.id;
    const state = card.querySelector(".state");
    state.textContent = camera.state;
    state.classList.add("state-" + camera.state);
    if (camera.state === "streaming") {
      card.querySelector("img").src = withToken(`/api/cameras/${encodeURIComponent(camera.id)}/snapshot.jpg`) + "&t=" + Date.now();
    }
    card.addEventListener("click", () => openCamera(camera.id, camera));
    return card;
  }));
  setStatus(`${cameras.length} camera(s)`);
}

// -- one camera -------------------------------------------------------------------------------

async function openCamera(cameraId, camera) {
  await closeCamera();
  viewer.camera = cameraId;
  regions = { lines: (camera && camera.lines) || [], zones: (camera && camera.zones) || [] };
  $("camera-name").textContent = cameraId;
  $("grid").hidden = true;
  $("view").hidden = false;
  openedAt = performance.now();
  try {
    await startWhep(cameraId);
  } catch (error) {
    console.warn("WebRTC failed, falling back to MJPEG:", error);
    await stopWhep();
    startMjpeg(cameraId);
  }
}

async function closeCamera() {
  await stopWhep();
  const img = $("mjpeg");
  img.removeAttribute("src");
  img.hidden = true;
  viewer.camera = null;
  viewer.mode = null;
  resetCounters();
}

function resetCounters() {
  rtpOrigin = null;
  messages = new Map();
  order = [];
  trails = new Map();
  rateWindow = [];
  Object.assign(viewer, { framesShown: 0, framesMatched: 0, fps: 0, delayMs: null,
    firstFrameMs: null, lastMessage: null });
  const canvas = $("overlay");
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}

function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, timeoutMs);
  });
}

async function startWhep(cameraId) {
  const pc = viewer.pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver("video", { direction: "recvonly" });
  const channel = pc.createDataChannel("tracks");
  channel.onmessage = (event) => onMessage(JSON.parse(event.data));
  const video = $("video");
  pc.ontrack = (event) => { video.srcObject = event.streams[0] || new MediaStream([event.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(pc, 3000);
  const response = await api(`/api/cameras/${encodeURIComponent(cameraId)}/whep`, {
    method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp,
  });
  if (response.status !== 201) throw new Error("WHEP: " + response.status + " " + await response.text());
  viewer.location = response.headers.get("Location");
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no video within 10 s")), 10000);
    video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(); });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed") { clearTimeout(timer); reject(new Error("ICE failed")); }
    });
  });
  viewer.mode = "webrtc";
  $("mode").textContent = "WebRTC";
  video.hidden = false;
  video.requestVideoFrameCallback(onVideoFrame);
}

async function stopWhep() {
  const pc = viewer.pc;
  const location = viewer.location;
  viewer.pc = null;
  viewer.location = null;
  if (pc) pc.close();
  $("video").srcObject = null;
  if (location) {
    try { await api(location, { method: "DELETE" }); } catch (error) { /* the server may be gone */ }
  }
}

function startMjpeg(cameraId) {
  viewer.mode = "mjpeg";
  $("mode").textContent = "MJPEG (tracks drawn by the server)";
  $("video").hidden = true;
  const img = $("mjpeg");
  img.hidden = false;
  img.src = withToken(`/api/cameras/${encodeURIComponent(cameraId)}/mjpeg`);
}

function onMessage(message) {
  if (message.type === "clock") {
    rtpOrigin = message.rtp_origin;
    return;
  }
  if (message.type !== "frame") return;
  messages.set(message.ts, message);
  order.push(message.ts);
  while (order.length > KEPT_MESSAGES) messages.delete(order.shift());
}

function messageFor(rtpTimestamp) {
  if (rtpOrigin === null || rtpTimestamp === undefined) return null;
  const ts = (rtpTimestamp - rtpOrigin) >>> 0;
  if (!viewer.shiftFrames) return messages.get(ts) || null;
  const at = order.indexOf(ts);
  if (at < 0 || at - viewer.shiftFrames < 0) return null;
  return messages.get(order[at - viewer.shiftFrames]) || null;
}

function onVideoFrame(now, metadata) {
  const video = $("video");
  if (viewer.mode !== "webrtc" || !viewer.pc) return;
  video.requestVideoFrameCallback(onVideoFrame);
  viewer.framesShown += 1;
  if (viewer.firstFrameMs === null) viewer.firstFrameMs = now - openedAt;
  rateWindow.push(now);
  while (rateWindow.length && now - rateWindow[0] > 2000) rateWindow.shift();
  if (rateWindow.length > 1) {
    viewer.fps = (rateWindow.length - 1) * 1000 / (now - rateWindow[0]);
  }
  const message = messageFor(metadata.rtpTimestamp);
  if (message) {
    viewer.framesMatched += 1;
    const shownAt = (performance.timeOrigin + metadata.expectedDisplayTime) / 1000;
    viewer.delayMs = Math.max(0, (shownAt - message.capture) * 1000);
    viewer.lastMessage = message;
  }
  draw(message, video.videoWidth, video.videoHeight);
  showStats();
  if (viewer.onDrawn) viewer.onDrawn(metadata, message);
}

function showStats() {
  $("fps").textContent = viewer.fps.toFixed(1);
  $("delay").textContent = viewer.delayMs === null ? "-" : Math.round(viewer.delayMs) + " ms";
  $("frames").textContent = String(viewer.framesShown);
  $("tracks").textContent = viewer.lastMessage ? String(viewer.lastMessage.tracks.length) : "0";
}

// -- drawing ----------------------------------------------------------------------------------

function colour(id) { return `hsl(${(id * 67) % 360}, 90%, 55%)`; }

function draw(message, width, height) {
  const canvas = $("overlay");
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, width, height);
  if (viewer.editor && viewer.editor.active) viewer.editor.draw(g, width, height);
  else if ($("show-zones").checked) drawRegions(g, width, height);
  if (!message) return;
  const sx = width / message.width, sy = height / message.height;
  for (const track of message.tracks) {
    const [x1, y1, x2, y2] = track.box;
    const box = [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
    const point = [(box[0] + box[2]) / 2, box[3]];
    const trail = trails.get(track.track_id) || [];
    if (!trail.length || trail[trail.length - 1][0] !== point[0] || trail[trail.length - 1][1] !== point[1]) {
      trail.push(point);
    }
    while (trail.length > TRAIL_LENGTH) trail.shift();
    trails.set(track.track_id, trail);
    g.strokeStyle = g.fillStyle = colour(track.track_id);
    g.lineWidth = 2;
    g.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    if (track.polygon && track.polygon.length >= 3) drawPolygon(g, track.polygon, sx, sy);
    if ($("show-trails").checked && trail.length > 1) {
      g.beginPath();
      g.moveTo(trail[0][0], trail[0][1]);
      for (const [x, y] of trail.slice(1)) g.lineTo(x, y);
      g.stroke();
    }
    if ($("show-labels").checked) {
      const label = `#${track.track_id} ${track.class_name} ${track.confidence.toFixed(2)}`;
      g.font = "12px sans-serif";
      const w = g.measureText(label).width + 6;
      g.fillRect(box[0] - 1, Math.max(0, box[1] - 16), w, 16);
      g.fillStyle = "#000";
      g.fillText(label, box[0] + 2, Math.max(12, box[1] - 4));
    }
  }
}

// A segmentation model's outline (frame pixels), filled translucent in the track's colour.
function drawPolygon(g, polygon, sx, sy) {
  g.beginPath();
  polygon.forEach(([x, y], i) => (i ? g.lineTo(x * sx, y * sy) : g.moveTo(x * sx, y * sy)));
  g.closePath();
  g.globalAlpha = 0.35;
  g.fill();
  g.globalAlpha = 1;
  g.stroke();
}

function regionPoints(region, width, height) {
  const normalized = region.coordinates === "normalized";
  return (region.points || region.polygon).map(([x, y]) => normalized ? [x * width, y * height] : [x, y]);
}

function drawRegions(g, width, height) {
  g.lineWidth = 2;
  g.font = "12px sans-serif";
  for (const zone of regions.zones) {
    const points = regionPoints(zone, width, height);
    g.strokeStyle = g.fillStyle = "rgba(80, 160, 255, 0.9)";
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.stroke();
    g.fillText(zone.name, points[0][0] + 3, points[0][1] + 14);
  }
  for (const line of regions.lines) {
    const [a, b] = regionPoints(line, width, height);
    g.strokeStyle = g.fillStyle = "rgba(255, 200, 0, 0.9)";
    g.beginPath();
    g.moveTo(a[0], a[1]);
    g.lineTo(b[0], b[1]);
    g.stroke();
    g.fillText(line.name, a[0] + 3, a[1] - 4);
  }
}

// -- events -----------------------------------------------------------------------------------

function followEvents() {
  if (events) events.close();
  events = new EventSource(withToken("/api/events/stream"));
  const list = $("events");
  const show = (event) => {
    const data = JSON.parse(event.data);
    const item = document.createElement("li");
    const when = new Date((data.time || data.timestamp || Date.now() / 1000) * 1000);
    const who = data.track_id != null ? ` #${data.track_id}` : "";
    item.textContent = `${when.toLocaleTimeString()} ${data.camera_id} ${event.type}${who} ${data.class_name || ""}`;
    list.prepend(item);
    while (list.children.length > 100) list.lastChild.remove();
  };
  for (const type of EVENT_TYPES) events.addEventListener(type, show);
}

// -- start ------------------------------------------------------------------------------------

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  viewer.token = $("token").value.trim();
  localStorage.setItem("trackcast.token", viewer.token);
  loadCameras();
  followEvents();
});
$("back").addEventListener("click", async () => {
  await closeCamera();
  $("view").hidden = true;
  $("grid").hidden = false;
  loadCameras();
});
window.addEventListener("pagehide", () => { closeCamera(); });

viewer.open = openCamera;
viewer.close = closeCamera;
viewer.api = api;
viewer.withToken = withToken;
viewer.regionPoints = regionPoints;
if (viewer.token) $("events-link").search = "?token=" + encodeURIComponent(viewer.token);
loadCameras();
followEvents();
setInterval(() => { if (!viewer.camera) loadCameras(); }, 5000);
