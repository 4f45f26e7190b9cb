// Cairn console: entry point and hash router.
import { loadSession, currentSession, onUnauthorized, getRegion, setRegion, signOut, ApiError } from './js/api.js';
import { el, clear, parseHash } from './js/format.js';
import { markRouted, lastRoutedHash, navigate, replaceHash } from './js/router.js';
import * as signin from './js/signin.js';
import * as dashboard from './js/dashboard.js';
import * as historyPage from './js/history.js';
import * as trails from './js/trails.js';
import * as trailDetail from './js/trail-detail.js';
import * as account from './js/account.js';

const main = document.getElementById('main');
const header = document.getElementById('app-header');
const nav = document.getElementById('nav');
const regionSelect = document.getElementById('region-select');
const userArn = document.getElementById('user-arn');
const signoutButton = document.getElementById('signout');

let current = null; // {name, key, instance}
let firstRoute = true;

function resolve(path) {
  if (path === '' || path === '/') return { name: 'dashboard', page: dashboard, title: 'Dashboard' };
  if (path === '/signin') return { name: 'signin', page: signin, title: 'Sign in' };
  if (path === '/dashboard') return { name: 'dashboard', page: dashboard, title: 'Dashboard' };
  if (path === '/history') return { name: 'history', page: historyPage, title: 'Event history' };
  if (path === '/trails') return { name: 'trails', page: trails, title: 'Trails' };
  if (path.startsWith('/trails/') && path.length > 8) {
    let trail = path.slice(8);
    try { trail = decodeURIComponent(trail); } catch { /* keep as is */ }
    return { name: 'trail-detail', key: trail, page: trailDetail, title: `Trail ${trail}`, navName: 'trails' };
  }
  if (path === '/account') return { name: 'account', page: account, title: 'Account' };
  return null;
}

function currentRouteForReturn() {
  const { path, query } = parseHash();
  if (!path || path === '/signin') return '';
  return path + (query ? `?${query}` : '');
}

function unmountCurrent() {
  if (current && current.instance && typeof current.instance.unmount === 'function') {
    try { current.instance.unmount(); } catch (e) { console.error(e); }
  }
  current = null;
}

function updateHeader(routeName) {
  const s = currentSession();
  header.hidden = !s || routeName === 'signin';
  if (!s) return;
  userArn.textContent = s.arn || `${s.user} (${s.account})`;
  userArn.title = s.arn || '';
  const regions = s.regions && s.regions.length ? s.regions : [s.region].filter(Boolean);
  const selected = getRegion();
  if (regionSelect.options.length !== regions.length || [...regionSelect.options].some((o, i) => o.value !== regions[i])) {
    clear(regionSelect);
    for (const r of regions) regionSelect.append(el('option', { value: r, text: r }));
  }
  regionSelect.value = selected;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === routeName) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function route({ force = false } = {}) {
  const hash = location.hash;
  if (hash === '#main') { // the skip link without JavaScript handling; nothing to route
    replaceHash(lastRoutedHash() || '#/dashboard');
    return;
  }
  if (!force && hash === lastRoutedHash() && current) return;
  markRouted(hash);
  const { path, params } = parseHash(hash);
  const session = currentSession();

  if (!session && path !== '/signin') {
    const next = currentRouteForReturn();
    navigate(next ? `#/signin?next=${encodeURIComponent(next)}` : '#/signin');
    return;
  }
  if (session && path === '/signin') {
    const next = params.get('next');
    navigate(next && next.startsWith('/') && !next.startsWith('/signin') ? `#${next}` : '#/dashboard');
    return;
  }

  const r = resolve(path);
  const navName = r ? (r.navName || r.name) : null;
  updateHeader(r ? navName : null);

  if (r && !force && current && current.name === r.name && current.key === r.key && current.instance
      && typeof current.instance.update === 'function') {
    current.instance.update(params);
    return;
  }

  unmountCurrent();
  clear(main);
  if (!r) {
    document.title = 'Not found · Cairn';
    main.append(el('section', { class: 'page', id: 'not-found' },
      el('h1', { text: 'Page not found' }),
      el('p', {}, 'There is no console page at this address. ', el('a', { href: '#/dashboard', text: 'Go to the dashboard' }), '.')));
    return;
  }
  document.title = `${r.title} · Cairn console`;
  let instance = null;
  try {
    instance = r.page.mount(main, { params, key: r.key, session: currentSession(), onSignedIn });
  } catch (e) {
    console.error(e);
    main.append(el('div', { class: 'error', role: 'alert', text: `This page failed to load: ${e.message}` }));
  }
  current = { name: r.name, key: r.key, instance };
  if (!firstRoute) {
    const h1 = main.querySelector('h1');
    if (h1 && r.name !== 'signin') { h1.tabIndex = -1; h1.focus({ preventScroll: false }); }
  }
  firstRoute = false;
}

function onSignedIn(next) {
  updateHeader(null);
  navigate(next && next.startsWith('/') && !next.startsWith('/signin') ? `#${next}` : '#/dashboard');
}

function wireHeader() {
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const target = main.querySelector('h1') || main;
    if (target !== main && target.tabIndex < 0) target.tabIndex = -1;
    target.focus();
  });
  regionSelect.addEventListener('change', () => {
    setRegion(regionSelect.value);
    route({ force: true });
  });
  signoutButton.addEventListener('click', async () => {
    signoutButton.disabled = true;
    try { await signOut(); } catch (e) { console.warn('sign-out', e); }
    signoutButton.disabled = false;
    unmountCurrent();
    header.hidden = true;
    navigate('#/signin');
  });
  onUnauthorized(() => {
    if ((current && current.name === 'signin') || parseHash().path === '/signin') return; // several calls may fail at once
    const next = currentRouteForReturn();
    unmountCurrent();
    header.hidden = true;
    navigate(next ? `#/signin?next=${encodeURIComponent(next)}` : '#/signin');
  });
  window.addEventListener('hashchange', () => route());
  window.addEventListener('popstate', () => route());
}

async function start() {
  wireHeader();
  try {
    await loadSession();
  } catch (e) {
    clear(main);
    main.append(el('section', { class: 'page' },
      el('h1', { text: 'Cairn console' }),
      el('div', { class: 'error', role: 'alert', text: e instanceof ApiError ? e.message : 'The console could not start.' }),
      el('p', {}, el('button', { type: 'button', text: 'Try again', on: { click: () => location.reload() } }))));
    return;
  }
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    replaceHash(currentSession() ? '#/dashboard' : '#/signin');
    markRouted(null);
  }
  route({ force: true });
}

start();
