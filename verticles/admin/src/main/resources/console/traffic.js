// The live traffic tab: GET /analytics/timeseries (per-minute buckets computed by the analytics store) every few
// seconds, drawn with uPlot (from its WebJar, served under /console/lib/).
import uPlot from '/console/lib/uPlot.esm.js';
import { get } from './api.js';
import { el, clear, status, number } from './dom.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
let timer = null;
let charts = {};
let observer = null;

/** One point per minute from the series' start to now; minutes without requests are 0 requests and gaps elsewhere. */
function columns(series, nowMs) {
  const step = (series.bucket_seconds || 60) * 1000;
  const byTime = new Map(series.buckets.map((b) => [b.time, b]));
  const x = [], rps = [], p50 = [], p95 = [], p99 = [], hits = [];
  const currentMinute = Math.floor(nowMs / step) * step;
  for (let t = series.from; t <= currentMinute; t += step) {
    const b = byTime.get(t);
    // The current minute is not over: its rate is over the seconds gone so far.
    const seconds = t === currentMinute ? Math.max(1, (nowMs - t) / 1000) : step / 1000;
    x.push(t / 1000);
    rps.push(b ? b.requests / seconds : 0);
    p50.push(b ? b.latency_ms.p50 : null);
    p95.push(b ? b.latency_ms.p95 : null);
    p99.push(b ? b.latency_ms.p99 : null);
    hits.push(b ? b.cache_hit_ratio : null);
  }
  return { x, rps, p50, p95, p99, hits };
}

function width(node) {
  return Math.max(260, node.clientWidth || node.parentElement.clientWidth || 600);
}

function chart(id, series, data, yLabel, range) {
  const node = $(id);
  if (charts[id]) {
    charts[id].setData(data);
    return;
  }
  clear(node);
  const options = {
    width: width(node),
    height: 200,
    series: [{}, ...series],
    axes: [{}, { label: yLabel, size: 60 }],
    scales: range ? { y: { range } } : {},
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  charts[id] = new uPlot(options, data, node);
}

function draw(series) {
  const c = columns(series, Date.now());
  chart('chart-rps', [{ label: 'requests/s', stroke: '#1f6feb', fill: 'rgba(31,111,235,0.12)', width: 2 }], [c.x, c.rps], 'req/s');
  chart('chart-latency', [
    { label: 'p50', stroke: '#2da44e', width: 2, points: { show: true, size: 4 } },
    { label: 'p95', stroke: '#bf8700', width: 2, points: { show: true, size: 4 } },
    { label: 'p99', stroke: '#cf222e', width: 2, points: { show: true, size: 4 } },
  ], [c.x, c.p50, c.p95, c.p99], 'ms');
  chart('chart-hits', [{ label: 'hit ratio', stroke: '#8250df', width: 2, points: { show: true, size: 4 } }], [c.x, c.hits], 'ratio', [0, 1]);
  $('chart-rps').dataset.points = String(series.buckets.length);

  const last = series.buckets[series.buckets.length - 1];
  const total = series.requests;
  const hits = series.buckets.reduce((n, b) => n + b.cache_hits, 0);
  $('traffic-total').textContent = number(total);
  $('traffic-rps').textContent = number(c.rps[c.rps.length - 1], 2);
  $('traffic-hits').textContent = total ? `${number(100 * hits / total, 1)} %` : '–';
  $('traffic-p95').textContent = last ? `${number(last.latency_ms.p95, 2)} ms` : '–';

  const body = clear($('top-movies').tBodies[0]);
  (series.top_movies || []).forEach((m, i) => body.append(el('tr', {},
    el('td', { class: 'num' }, i + 1),
    el('td', {}, m.title || `movie ${m.movie_id}`),
    el('td', {}, (m.genres || []).join(', ')),
    el('td', { class: 'num' }, number(m.count)))));
  if (!(series.top_movies || []).length) body.append(el('tr', {}, el('td', { colspan: 4 }, 'Nothing recommended in this window yet.')));
}

async function refresh() {
  const minutes = Number($('window').value);
  try {
    const series = await get(`/analytics/timeseries?minutes=${minutes}&top=10`);
    draw(series);
    status($('traffic-updated'), `Updated ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`);
  } catch (e) {
    status($('traffic-updated'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
  }
}

function resize() {
  for (const [id, c] of Object.entries(charts)) c.setSize({ width: width($(id)), height: 200 });
}

export function startTraffic() {
  stopTraffic();
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
  if (!observer && 'ResizeObserver' in window) {
    observer = new ResizeObserver(() => resize());
    observer.observe($('panel-traffic'));
  }
}

export function stopTraffic() {
  if (timer) clearInterval(timer);
  timer = null;
}

export function initTraffic() {
  $('window').addEventListener('change', () => {
    for (const c of Object.values(charts)) c.destroy();
    charts = {};
    refresh();
  });
}
