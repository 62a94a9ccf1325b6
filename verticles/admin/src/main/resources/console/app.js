// The console's entry: tabs (kept in the address's #fragment, so a reload stays on the tab), and the admin key prompt.
import { adminKey, setAdminKey, onUnauthorized } from './api.js';
import { initRecommend, retryRecommend } from './recommend.js';
import { initTraffic, startTraffic, stopTraffic } from './traffic.js';
import { initModels, loadModels } from './models.js';

const $ = (id) => document.getElementById(id);
const TABS = ['recommend', 'traffic', 'models'];
let current = null;

function show(tab, focus = false) {
  if (!TABS.includes(tab)) tab = 'recommend';
  current = tab;
  for (const name of TABS) {
    const selected = name === tab;
    const button = $(`tab-${name}`);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${name}`).hidden = !selected;
  }
  if (focus) $(`tab-${tab}`).focus();
  if (tab === 'traffic') startTraffic();
  else stopTraffic();
  if (tab === 'models') loadModels();
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
}

function initTabs() {
  const buttons = TABS.map((t) => $(`tab-${t}`));
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => show(b.dataset.tab));
    b.addEventListener('keydown', (event) => { // arrow keys move between tabs (WAI-ARIA tabs pattern)
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      event.preventDefault();
      show(TABS[(i + step + TABS.length) % TABS.length], true);
    });
  });
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
}

function initKey() {
  const panel = $('key-panel');
  onUnauthorized((message) => {
    $('key-reason').textContent = adminKey()
      ? `The admin key was refused${message ? ` (${message})` : ''}. Enter another one.`
      : `This management listener needs an admin key${message ? ` (${message})` : ''}.`;
    panel.hidden = false;
    $('admin-key').focus();
  });
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setAdminKey($('admin-key').value.trim());
    $('admin-key').value = '';
    panel.hidden = true;
    show(current); // load the tab again with the key
    if (current === 'recommend') retryRecommend();
  });
  $('key-forget').addEventListener('click', () => {
    setAdminKey('');
    $('admin-key').value = '';
  });
}

initKey();
initTabs();
initRecommend();
initTraffic();
initModels();
show(location.hash.slice(1));
