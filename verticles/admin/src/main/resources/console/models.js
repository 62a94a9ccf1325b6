// The models tab: GET /admin/models (versions, parameters, training time, evaluation), GET /ready (which version
// each node serves), and publish / rollback through the admin routes.
import { get, post } from './api.js';
import { el, clear, status, number } from './dom.js';

const $ = (id) => document.getElementById(id);

function params(p) {
  if (!p) return '–';
  return Object.entries(p).map(([k, v]) => `${k} ${v}`).join(', ');
}

function evaluation(e) {
  if (!e || !e.rows || !e.rows.length) return el('span', { class: 'meta' }, 'not evaluated');
  const metrics = ['precision', 'recall', 'ndcg', 'map', 'coverage'];
  return el('table', { class: 'table inner' },
    el('caption', {}, `at ${e.k ?? 10}, over ${number(e.users)} users`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'model'), metrics.map((m) => el('th', { scope: 'col', class: 'num' }, m)))),
    el('tbody', {}, e.rows.map((r) => el('tr', {}, el('th', { scope: 'row' }, r.model),
      metrics.map((m) => el('td', { class: 'num' }, number(r[m], 4)))))));
}

async function publish(version) {
  if (!window.confirm(`Publish model version ${version}? Every node switches to it.`)) return;
  await change(() => post(`/admin/models/${version}/publish`), `Published version ${version}.`);
}

async function rollback() {
  if (!window.confirm('Roll back to the version before the current one?')) return;
  await change(() => post('/admin/models/rollback'), null);
}

async function change(action, done) {
  status($('models-status'), 'Working…');
  try {
    const answer = await action();
    status($('models-status'), done || `Version ${answer.model_version} is current again (was ${answer.previous_version}).`, 'ok');
  } catch (e) {
    status($('models-status'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
    return;
  }
  await loadModels(false);
}

async function loadVersions() {
  const answer = await get('/admin/models');
  const body = clear($('versions').tBodies[0]);
  for (const v of answer.versions || []) {
    const current = v.current === true;
    const label = el('span', { class: 'version' }, `v${v.model_version}`);
    const badge = current ? el('span', { class: 'badge', 'aria-label': 'current version' }, 'current') : null;
    body.append(el('tr', { class: current ? 'current' : '', 'aria-current': current ? 'true' : null, dataset: { version: v.model_version } },
      el('th', { scope: 'row' }, label, ' ', badge),
      el('td', {}, v.created_at ? new Date(v.created_at).toLocaleString() : '–'),
      el('td', { class: 'params' }, params(v.params)),
      el('td', { class: 'num' }, `${number(v.users)} / ${number(v.movies)}`),
      el('td', {}, evaluation(v.evaluation)),
      el('td', {}, current ? el('span', { class: 'meta' }, 'served') :
        el('button', { type: 'button', class: 'secondary', onclick: () => publish(v.model_version) }, `Publish v${v.model_version}`))));
  }
  if (!(answer.versions || []).length) body.append(el('tr', {}, el('td', { colspan: 6 }, 'No model version is stored yet.')));
}

function ref(n, prefix) {
  const version = n[`${prefix}_version`];
  return version === undefined || version === null ? '–' : `v${version}`;
}

async function loadNodes() {
  let ready;
  try {
    ready = await get('/ready');
  } catch (e) {
    if (e.status !== 503 || !e.body) throw e;
    ready = e.body; // not ready: the detail is still what we show
  }
  const body = clear($('nodes').tBodies[0]);
  const model = (ready.checks || []).find((c) => c.id === 'model');
  if (model && model.data) {
    const serving = model.data.serving_version;
    status($('nodes-status'), serving ? `This HTTP node serves version ${serving} (node ${ready.node}).` : `No version is served yet: ${model.data.reason || ''}`);
    for (const n of model.data.nodes || []) {
      body.append(el('tr', {}, el('td', {}, n.role), el('td', { class: 'mono' }, n.node), el('td', {}, ref(n, 'model')),
        el('td', {}, ref(n, 'previous')), el('td', {}, ref(n, 'loading')),
        el('td', {}, n.error ? `cannot load: ${n.error}` : (n.accepting ? 'serving' : 'starting'))));
    }
  } else {
    status($('nodes-status'), `Node ${ready.node} (${(ready.node_roles || []).join(', ')}) runs no HTTP role; its own roles:`);
    for (const r of ready.roles || []) {
      body.append(el('tr', {}, el('td', {}, r.role), el('td', { class: 'mono' }, r.node), el('td', {}, r.model_version ? `v${r.model_version}` : '–'),
        el('td', {}, '–'), el('td', {}, '–'), el('td', {}, r.ready ? 'ready' : 'not ready')));
    }
  }
}

export async function loadModels(clearStatus = true) {
  if (clearStatus) status($('models-status'), 'Loading…');
  const results = await Promise.allSettled([loadVersions(), loadNodes()]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    const e = failed.reason;
    status($('models-status'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
  } else if (clearStatus) {
    status($('models-status'), '');
  }
}

export function initModels() {
  $('refresh-models').addEventListener('click', () => loadModels());
  $('rollback').addEventListener('click', rollback);
}
