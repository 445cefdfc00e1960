// trackcast event review: stored events newest first with thumbnails, filters, infinite scroll on
// the seq cursor, clip playback, and count charts per line and zone (SVG drawn here, no library).
// Plain JavaScript, no build step; the token travels as the live view's does.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const EVENT_TYPES = ["track.started", "track.ended", "line.crossed", "zone.entered",
  "zone.exited", "zone.loitering"];
const PAGE_SIZE = 25;
const INTERVAL_S = { "1m": 60, "15m": 900, "1h": 3600, "1d": 86400 };
const FILTER_PARAMS = ["camera", "type", "class_name", "region", "since", "until"];
const MIN_BUCKETS_SHOWN = 12;  // a chart's time axis is at least this many buckets wide
const COLOURS = ["#f5c400", "#4aa3ff", "#ff7a59", "#5fd38d", "#c77dff", "#ff5fa2"];

const query = new URLSearchParams(location.search);

// Everything a test (or a curious user in the console) may want to read.
const review = window.trackcastEvents = {
  token: query.get("token") || localStorage.getItem("trackcast.token") || "",
  seqs: [],            // seq of each row shown, in order
  pages: 0,            // pages loaded since the filters last changed
  done: true,          // the last page has been loaded (or none is wanted yet)
  loading: false,
  before: null,        // the cursor of the next (older) page
  counts: [],          // the /api/counts rows the charts were drawn from
  chartsDrawn: 0,      // how many times the charts were drawn
  clip: null,          // {id, state: "loading" | "playing" | "no clip", reason}
  error: null,
};
let generation = 0;   // bumped when the filters change: answers for older filters are dropped

function withToken(url) {
  if (!review.token) return url;
  return url + (url.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(review.token);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (review.token) headers.Authorization = "Bearer " + review.token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    $("token-form").hidden = false;
    throw new Error("an API token is required");
  }
  return response;
}

function setStatus(text) { $("status").textContent = text; }

function fail(error) {
  review.error = String(error.message || error);
  setStatus(review.error);
}

// -- filters ----------------------------------------------------------------------------------

function localInput(epochSeconds) {
  if (!epochSeconds) return "";
  const date = new Date(Number(epochSeconds) * 1000);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}

function epochOf(input) {
  if (!input.value) return "";
  const millis = new Date(input.value).getTime();
  return Number.isNaN(millis) ? "" : String(Math.floor(millis / 1000));
}

function addOptions(select, values) {
  const have = new Set(Array.from(select.options, (option) => option.value));
  for (const value of values) {
    if (have.has(value)) continue;
    const option = document.createElement("option");
    option.value = option.textContent = value;
    select.append(option);
    have.add(value);
  }
}

// The filters as API query parameters (the same names the page's own URL uses).
function filterParams() {
  const params = new URLSearchParams();
  const set = (name, value) => { if (value) params.set(name, value); };
  set("camera", $("f-camera").value);
  set("type", $("f-type").value);
  set("class_name", $("f-class").value.trim());
  set("region", $("f-region").value);
  set("since", epochOf($("f-since")));
  set("until", epochOf($("f-until")));
  return params;
}

function showFiltersFromUrl() {
  addOptions($("f-type"), EVENT_TYPES);
  for (const name of ["camera", "region"]) {
    const value = query.get(name);
    if (value) addOptions($("f-" + name), [value]);
  }
  $("f-camera").value = query.get("camera") || "";
  $("f-type").value = query.get("type") || "";
  $("f-class").value = query.get("class_name") || "";
  $("f-region").value = query.get("region") || "";
  $("f-since").value = localInput(query.get("since"));
  $("f-until").value = localInput(query.get("until"));
  if (query.get("interval") in INTERVAL_S) $("f-interval").value = query.get("interval");
}

function keepFiltersInUrl() {
  const params = filterParams();
  if (query.get("token")) params.set("token", query.get("token"));
  params.set("interval", $("f-interval").value);
  history.replaceState(null, "", "?" + params.toString());
}

async function loadChoices() {
  const response = await api("/api/cameras");
  if (!response.ok) throw new Error("GET /api/cameras: " + response.status);
  const cameras = await response.json();
  $("token-form").hidden = true;
  addOptions($("f-camera"), cameras.map((camera) => camera.id));
  const regions = cameras.flatMap((camera) => [...camera.lines, ...camera.zones].map((r) => r.name));
  addOptions($("f-region"), regions.sort());
  const classes = new Set();
  for (const camera of cameras) {
    for (const name of Object.keys(camera.filters || {})) classes.add(name);
    for (const region of [...camera.lines, ...camera.zones]) {
      for (const name of region.classes || []) classes.add(name);
    }
  }
  addClasses(classes);
}

function addClasses(names) {
  const list = $("classes");
  const have = new Set(Array.from(list.options, (option) => option.value));
  for (const name of names) {
    if (!name || have.has(name)) continue;
    const option = document.createElement("option");
    option.value = name;
    list.append(option);
    have.add(name);
  }
}

// -- the event list ---------------------------------------------------------------------------

function restart() {
  generation += 1;
  review.seqs = [];
  review.pages = 0;
  review.done = false;
  review.loading = false;
  review.before = null;
  $("event-rows").replaceChildren();
  $("list-end").textContent = "loading…";
  loadPage();
}

async function loadPage() {
  if (review.loading || review.done) return;
  review.loading = true;
  const mine = generation;
  const params = filterParams();
  params.set("order", "desc");
  params.set("limit", String(PAGE_SIZE));
  if (review.before !== null) params.set("before", String(review.before));
  let page;
  try {
    const response = await api("/api/events?" + params.toString());
    if (!response.ok) throw new Error("GET /api/events: " + response.status + " " + await response.text());
    page = await response.json();
  } catch (error) {
    if (mine === generation) {
      review.loading = false;
      fail(error);
    }
    return;
  }
  if (mine !== generation) return;  // the filters changed while this page was on its way
  const rows = $("event-rows");
  for (const event of page.events) {
    rows.append(eventRow(event));
    review.seqs.push(event.seq);
  }
  addClasses(page.events.map((event) => event.class_name));
  review.pages += 1;
  review.before = page.next_before;
  review.done = page.next_before === null;
  review.loading = false;
  $("list-end").textContent = review.done
    ? (review.seqs.length ? `${review.seqs.length} event(s), no more` : "no events match")
    : "scroll for more";
  setStatus(`${review.seqs.length} event(s) shown`);
  if (!review.done && nearTheEnd()) loadPage();  // the page is not full yet: keep filling it
}

function nearTheEnd() {
  return $("list-end").getBoundingClientRect().top < window.innerHeight + 200;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  return td;
}

function eventRow(event) {
  const row = document.createElement("tr");
  row.dataset.seq = String(event.seq);
  row.dataset.id = event.id;
  const picture = document.createElement("td");
  if (event.thumbnail) {
    const img = document.createElement("img");
    img.alt = `${event.class_name || "object"} (event ${event.seq})`;
    img.src = withToken(event.thumbnail);
    picture.append(img);
  }
  const when = new Date(event.time * 1000);
  row.append(picture, cell(when.toLocaleString()), cell(event.camera_id), cell(event.type),
    cell(event.class_name), cell(event.region), cell(event.track_id), clipCell(event));
  return row;
}

// ``clip`` ({state, url, reason}) is in the event once the service reports clip state; without
// it the page tries the clip URL and says "no clip" when the answer is a 404.
function clipCell(event) {
  const td = document.createElement("td");
  td.className = "clip-cell";
  const clip = event.clip;
  if (clip && (clip.state === "failed" || clip.state === "expired")) {
    td.textContent = "no clip";
    td.className += " no-clip";
    td.title = clip.reason || clip.state;
    return td;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "play";
  button.textContent = clip && clip.state === "pending" ? "▶ (pending)" : "▶ play";
  const url = (clip && clip.url) || `/api/events/${encodeURIComponent(event.id)}/clip.mp4`;
  button.addEventListener("click", () => playClip(event, url, td));
  td.append(button);
  return td;
}

async function playClip(event, url, td) {
  review.clip = { id: event.id, state: "loading", reason: null };
  let reason = null;
  try {
    // one byte first: a missing clip is a 404 with a reason, which <video> would not show
    const probe = await api(url, { headers: { Range: "bytes=0-0" } });
    if (probe.status === 404) {
      const body = await probe.json().catch(() => ({}));
      reason = body.detail || "not found";
    } else if (!probe.ok) {
      reason = "HTTP " + probe.status;
    }
  } catch (error) {
    reason = String(error.message || error);
  }
  if (reason !== null) {
    review.clip = { id: event.id, state: "no clip", reason };
    const note = document.createElement("span");
    note.className = "no-clip";
    note.textContent = " no clip";
    note.title = reason;
    td.querySelector(".no-clip")?.remove();
    td.append(note);
    return;
  }
  document.querySelectorAll("#event-rows tr.playing").forEach((row) => row.classList.remove("playing"));
  td.parentElement.classList.add("playing");
  $("player-title").textContent = `${event.type} on ${event.camera_id}, ${new Date(event.time * 1000).toLocaleString()}`;
  $("player").hidden = false;
  const video = $("clip");
  video.src = withToken(url);
  try {
    await video.play();
    review.clip = { id: event.id, state: "playing", reason: null };
  } catch (error) {
    review.clip = { id: event.id, state: "no clip", reason: String(error.message || error) };
  }
}

// -- count charts -----------------------------------------------------------------------------

async function loadCounts() {
  const mine = generation;
  const params = filterParams();
  params.delete("type");
  params.set("interval", $("f-interval").value);
  let counts;
  try {
    const response = await api("/api/counts?" + params.toString());
    if (!response.ok) throw new Error("GET /api/counts: " + response.status + " " + await response.text());
    counts = await response.json();
  } catch (error) {
    if (mine === generation) fail(error);
    return;
  }
  if (mine !== generation) return;
  review.counts = counts;
  drawCharts(counts, INTERVAL_S[$("f-interval").value]);
  review.chartsDrawn += 1;
}

// Rows summed over classes: region key -> direction -> bucket start -> count.
function seriesOf(counts) {
  const charts = new Map();
  for (const row of counts) {
    const key = `${row.camera_id}\u0000${row.region}`;
    if (!charts.has(key)) charts.set(key, { camera: row.camera_id, region: row.region, kind: row.kind, directions: new Map() });
    const directions = charts.get(key).directions;
    if (!directions.has(row.direction)) directions.set(row.direction, new Map());
    const buckets = directions.get(row.direction);
    buckets.set(row.bucket_start, (buckets.get(row.bucket_start) || 0) + row.count);
  }
  return [...charts.values()].sort((a, b) => (a.camera + a.region).localeCompare(b.camera + b.region));
}

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.append(element);
  return element;
}

function timeLabel(seconds, intervalS) {
  const date = new Date(seconds * 1000);
  return intervalS >= 86400 ? date.toLocaleDateString() : date.toLocaleString([], {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function drawCharts(counts, intervalS) {
  const box = $("charts");
  const charts = seriesOf(counts);
  if (!charts.length) {
    const empty = document.createElement("p");
    empty.className = "muted";
    empty.textContent = "no counts for these filters";
    box.replaceChildren(empty);
    return;
  }
  // one colour per direction name on every chart
  const names = [...new Set(charts.flatMap((chart) => [...chart.directions.keys()]))].sort();
  const colours = new Map(names.map((name, i) => [name, COLOURS[i % COLOURS.length]]));
  box.replaceChildren(...charts.map((chart) => drawChart(chart, intervalS, colours)));
}

// Stacked bars, one stack per bucket, one colour per direction (or entered/exited).
function drawChart(chart, intervalS, colours) {
  const W = 600, H = 190, left = 40, right = 10, top = 10, bottom = 24;
  const figure = document.createElement("figure");
  figure.className = "chart";
  figure.dataset.camera = chart.camera;
  figure.dataset.region = chart.region;
  const title = document.createElement("h3");
  title.textContent = `${chart.kind} ${chart.region} (${chart.camera})`;
  const directions = [...chart.directions.keys()].sort();
  const starts = [...new Set(directions.flatMap((d) => [...chart.directions.get(d).keys()]))].sort((a, b) => a - b);
  const t1 = starts[starts.length - 1] + intervalS;
  const t0 = Math.min(starts[0], t1 - MIN_BUCKETS_SHOWN * intervalS);
  const totals = starts.map((start) => directions.reduce((sum, d) => sum + (chart.directions.get(d).get(start) || 0), 0));
  const yMax = Math.max(1, ...totals);
  const plotW = W - left - right, plotH = H - top - bottom;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * plotW;
  const y = (value) => top + plotH - (value / yMax) * plotH;
  const barW = Math.max(1, (plotW * intervalS) / (t1 - t0) * 0.8);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `counts of ${chart.kind} ${chart.region} per ${intervalS} s` });
  svg("line", { class: "axis", x1: left, y1: top + plotH, x2: W - right, y2: top + plotH }, root);
  svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: top + plotH }, root);
  for (const value of [0, yMax]) {
    const label = svg("text", { x: left - 4, y: y(value) + 3, "text-anchor": "end" }, root);
    label.textContent = String(value);
  }
  const first = svg("text", { x: left, y: H - 6 }, root);
  first.textContent = timeLabel(t0, intervalS);
  const last = svg("text", { x: W - right, y: H - 6, "text-anchor": "end" }, root);
  last.textContent = timeLabel(t1, intervalS);
  for (const start of starts) {
    let stacked = 0;
    directions.forEach((direction) => {
      const count = chart.directions.get(direction).get(start);
      if (!count) return;
      const rect = svg("rect", {
        class: "bar", x: x(start) + 0.1 * barW / 0.8, y: y(stacked + count), width: barW,
        height: y(stacked) - y(stacked + count), fill: colours.get(direction),
        "data-direction": direction, "data-bucket": start, "data-count": count,
      }, root);
      const tip = svg("title", {}, rect);
      tip.textContent = `${direction} ${timeLabel(start, intervalS)}: ${count}`;
      stacked += count;
    });
  }
  const legend = document.createElement("div");
  legend.className = "legend";
  directions.forEach((direction) => {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = colours.get(direction);
    item.append(swatch, direction);
    legend.append(item);
  });
  figure.append(title, root, legend);
  return figure;
}

// -- start ------------------------------------------------------------------------------------

function apply() {
  keepFiltersInUrl();
  restart();
  loadCounts();
}

async function start() {
  if (review.token) $("live-link").search = "?token=" + encodeURIComponent(review.token);
  try {
    await loadChoices();
  } catch (error) {
    fail(error);
    return;
  }
  showFiltersFromUrl();
  restart();
  loadCounts();
}

$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  apply();
});
$("reset").addEventListener("click", (event) => {
  event.preventDefault();
  for (const id of ["f-camera", "f-type", "f-class", "f-region", "f-since", "f-until"]) $(id).value = "";
  apply();
});
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  review.token = $("token").value.trim();
  localStorage.setItem("trackcast.token", review.token);
  start();
});
$("player-close").addEventListener("click", () => {
  const video = $("clip");
  video.pause();
  video.removeAttribute("src");
  video.load();
  $("player").hidden = true;
});
new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadPage();
}, { rootMargin: "200px" }).observe($("list-end"));

review.apply = apply;
review.withToken = withToken;
showFiltersFromUrl();
start();
