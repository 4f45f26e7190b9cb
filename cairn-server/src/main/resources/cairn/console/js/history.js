// #/history: CloudTrail event history (LookupEvents), filters in the URL hash, detail panel, live mode.
import { api, getJson, getRegion, currentSession } from './api.js';
import { el, clear, fmtTime, toEpoch, toLocalInput, fromLocalInput, enc, plural, describeError } from './format.js';
import { replaceHash, pushHash } from './router.js';
import { renderJson, resourceHref, usernameHref } from './event-json.js';

const PAGE_SIZE = 50;
const POLL_MS = 5000;
/** Live mode keeps at most this many rows; older ones leave the table (the history still has them). */
const MAX_LIVE_ROWS = 2000;
const COLUMNS_KEY = 'cairn.history.columns';

export const ATTRIBUTE_KEYS = [
  ['EventName', 'Event name'],
  ['Username', 'User name'],
  ['ResourceType', 'Resource type'],
  ['ResourceName', 'Resource name'],
  ['EventSource', 'Event source'],
  ['EventId', 'Event ID'],
  ['ReadOnly', 'Read-only'],
  ['AccessKeyId', 'AWS access key'],
];
const VALUE_HINTS = {
  ReadOnly: ['true', 'false'],
  EventSource: ['cloudtrail.amazonaws.com', 'signin.amazonaws.com', 's3.amazonaws.com', 'iam.amazonaws.com', 'sts.amazonaws.com'],
  ResourceType: ['AWS::CloudTrail::Trail', 'AWS::S3::Bucket', 'AWS::IAM::User', 'AWS::IAM::Role'],
};

const RANGES = [
  ['', 'Any time (90 days)'],
  ['rel:900', 'Last 15 minutes'],
  ['rel:3600', 'Last hour'],
  ['rel:10800', 'Last 3 hours'],
  ['rel:43200', 'Last 12 hours'],
  ['rel:86400', 'Last day'],
  ['rel:604800', 'Last 7 days'],
  ['rel:2592000', 'Last 30 days'],
  ['rel:7776000', 'Last 90 days'],
  ['absolute', 'Absolute range (UTC)…'],
];

const joinRes = (ev, prop) => (Array.isArray(ev.Resources) ? ev.Resources : []).map((r) => r && r[prop]).filter(Boolean).join(', ');
const COLUMNS = [
  { key: 'eventName', label: 'Event name', def: true, get: (ev) => ev.EventName },
  { key: 'eventTime', label: 'Event time', def: true, cls: 'nowrap', get: (ev) => fmtTime(ev.EventTime) },
  { key: 'username', label: 'User name', def: true, get: (ev) => ev.Username },
  { key: 'eventSource', label: 'Event source', def: true, get: (ev) => ev.EventSource },
  { key: 'resourceType', label: 'Resource type', def: true, get: (ev) => joinRes(ev, 'ResourceType') },
  { key: 'resourceName', label: 'Resource name', def: true, cls: 'break', get: (ev) => joinRes(ev, 'ResourceName') },
  { key: 'eventId', label: 'Event ID', cls: 'mono nowrap', get: (ev) => ev.EventId },
  { key: 'accessKeyId', label: 'AWS access key', cls: 'mono', get: (ev) => ev.AccessKeyId },
  { key: 'readOnly', label: 'Read-only', get: (ev) => ev.ReadOnly },
  { key: 'awsRegion', label: 'AWS region', get: (ev, rec) => rec && rec.awsRegion },
  { key: 'errorCode', label: 'Error code', get: (ev, rec) => rec && rec.errorCode },
  { key: 'sourceIPAddress', label: 'Source IP address', get: (ev, rec) => rec && rec.sourceIPAddress },
];

// ---- filter model: {attrs: [{key, value}], range: null | {rel: seconds} | {abs: [start|null, end|null]}} ----

export function parseFilter(params) {
  const attrs = [];
  for (const a of params.getAll('attr')) {
    const i = a.indexOf(':');
    if (i <= 0) continue;
    attrs.push({ key: a.slice(0, i), value: a.slice(i + 1) });
  }
  let range = null;
  const r = params.get('range') || '';
  let m;
  if ((m = /^rel:(\d+)$/.exec(r))) range = { rel: Number(m[1]) };
  else if ((m = /^abs:(\d*):(\d*)$/.exec(r))) range = { abs: [m[1] ? Number(m[1]) : null, m[2] ? Number(m[2]) : null] };
  return { attrs, range };
}

export function serializeFilter(f) {
  const parts = f.attrs.map((a) => `attr=${enc(`${a.key}:${a.value}`)}`);
  if (f.range && f.range.rel) parts.push(`range=rel:${f.range.rel}`);
  else if (f.range && f.range.abs) parts.push(`range=abs:${f.range.abs[0] ?? ''}:${f.range.abs[1] ?? ''}`);
  return parts.join('&');
}

function lookupBase(f) {
  const p = {};
  if (f.attrs.length) p.LookupAttributes = f.attrs.map((a) => ({ AttributeKey: a.key, AttributeValue: a.value }));
  if (f.range && f.range.rel) p.StartTime = Math.floor(Date.now() / 1000) - f.range.rel;
  else if (f.range && f.range.abs) {
    if (f.range.abs[0] != null) p.StartTime = f.range.abs[0];
    if (f.range.abs[1] != null) p.EndTime = f.range.abs[1];
  }
  return p;
}

/** Query string of /console/download and /console/live for a filter. */
function endpointQuery(f, { format, times = true } = {}) {
  const parts = [];
  if (format) parts.push(`format=${format}`);
  const region = getRegion();
  if (region) parts.push(`region=${enc(region)}`);
  for (const a of f.attrs) parts.push(`attr=${enc(`${a.key}:${a.value}`)}`);
  if (times) {
    const b = lookupBase(f);
    if (b.StartTime != null) parts.push(`start=${b.StartTime}`);
    if (b.EndTime != null) parts.push(`end=${b.EndTime}`);
  }
  return parts.join('&');
}

function loadColumnChoice() {
  try {
    const raw = localStorage.getItem(COLUMNS_KEY);
    if (raw) {
      const keys = JSON.parse(raw);
      if (Array.isArray(keys)) {
        const valid = keys.filter((k) => COLUMNS.some((c) => c.key === k));
        if (valid.length) return new Set(valid);
      }
    }
  } catch { /* ignore */ }
  return new Set(COLUMNS.filter((c) => c.def).map((c) => c.key));
}

let idCounter = 0;

export function mount(main, { params }) {
  // ---------- state ----------
  let applied = null;       // the filter shown
  let appliedKey = null;
  let base = {};            // LookupEvents parameters of the first page (NextToken needs the same ones)
  let nextToken = null;
  let events = [];          // shown, newest first
  const shown = new Set();  // EventIds shown
  const records = new Map();// EventId -> parsed CloudTrailEvent (or null)
  let seq = 0;              // request counter: answers of an older filter are ignored
  let loadingFirst = false;
  let loadingMore = false;
  let pending = [];         // new events found by polling, not shown yet
  let pendingMore = false;
  let live = null;          // EventSource
  let detailId = null;
  let detailSeq = 0;
  let wantEventId = null;   // event to open once the first page is in
  let visibleColumns = loadColumnChoice();
  let alive = true;

  // ---------- elements ----------
  const filtersBox = el('div', { id: 'filters', class: 'filters' });
  const addFilter = el('button', { id: 'add-filter', type: 'button', class: 'secondary', text: '+ Add filter' });
  const timeRange = el('select', { id: 'time-range' }, RANGES.map(([v, t]) => el('option', { value: v, text: t })));
  const timeStart = el('input', { id: 'time-start', type: 'datetime-local', step: '1' });
  const timeEnd = el('input', { id: 'time-end', type: 'datetime-local', step: '1' });
  const absBox = el('div', { class: 'abs-range', hidden: true },
    el('div', { class: 'field inline' }, el('label', { for: 'time-start', text: 'Start (UTC)' }), timeStart),
    el('div', { class: 'field inline' }, el('label', { for: 'time-end', text: 'End (UTC)' }), timeEnd));
  const applyButton = el('button', { id: 'apply-filter', type: 'button', class: 'primary', text: 'Apply' });
  const datalists = Object.entries(VALUE_HINTS).map(([k, vals]) =>
    el('datalist', { id: `filter-hints-${k}` }, vals.map((v) => el('option', { value: v }))));

  const status = el('p', { id: 'history-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const errorBox = el('div', { id: 'history-error', class: 'error', role: 'alert', hidden: true });
  const newButton = el('button', { id: 'new-events', type: 'button', class: 'new-events', hidden: true });
  const liveToggle = el('input', { id: 'live-toggle', type: 'checkbox' });
  const liveState = el('span', { class: 'live-state muted small', 'aria-live': 'polite' });
  const columnsButton = el('button', { id: 'columns-button', type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': 'columns-menu', text: 'Columns' });
  const columnsMenu = el('div', { id: 'columns-menu', class: 'menu', hidden: true },
    el('fieldset', {}, el('legend', { text: 'Columns shown' }),
      COLUMNS.map((c) => el('label', { class: 'check' },
        el('input', { type: 'checkbox', dataset: { column: c.key }, checked: visibleColumns.has(c.key) }), ' ', c.label))));
  const downloadCsv = el('a', { id: 'download-csv', class: 'button secondary', download: '', href: '/console/download?format=csv', text: 'Download CSV' });
  const downloadJson = el('a', { id: 'download-json', class: 'button secondary', download: '', href: '/console/download?format=json', text: 'Download JSON' });

  const thead = el('thead');
  const tbody = el('tbody');
  const table = el('table', { id: 'events-table', class: 'data-table events-table', 'data-state': 'loading' },
    el('caption', { class: 'visually-hidden', text: 'Events, newest first. Press Enter on a row to open its details.' }), thead, tbody);
  const loadMoreButton = el('button', { id: 'load-more', type: 'button', class: 'secondary', hidden: true, text: 'Load more events' });
  const sentinel = el('div', { class: 'sentinel', 'aria-hidden': 'true' });

  const detailTitle = el('h2', { id: 'detail-title', text: 'Event' });
  const closeDetailButton = el('button', { id: 'close-detail', type: 'button', class: 'secondary', 'aria-label': 'Close event details', text: 'Close' });
  const detailBody = el('div', { class: 'detail-body' });
  const detail = el('aside', { id: 'event-detail', class: 'detail-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'detail-title', tabindex: '-1', hidden: true },
    el('div', { class: 'detail-head' }, detailTitle, closeDetailButton), detailBody);

  const section = el('section', { id: 'history', class: 'page' },
    el('div', { class: 'page-head' }, el('h1', { text: 'Event history' }),
      el('div', { class: 'head-actions' }, downloadCsv, downloadJson)),
    el('div', { class: 'card filter-panel' },
      el('h2', { class: 'visually-hidden', text: 'Filter' }),
      filtersBox, datalists,
      el('div', { class: 'filter-actions' },
        addFilter,
        el('div', { class: 'field inline' }, el('label', { for: 'time-range', text: 'Time range' }), timeRange),
        absBox,
        applyButton)),
    el('div', { class: 'history-toolbar' },
      status, newButton,
      el('div', { class: 'toolbar-right' },
        el('label', { class: 'check live-label', for: 'live-toggle' }, liveToggle, ' Live'), liveState,
        el('div', { class: 'menu-wrap' }, columnsButton, columnsMenu))),
    errorBox,
    el('div', { class: 'table-wrap' }, table),
    el('div', { class: 'table-footer' }, loadMoreButton, sentinel),
    detail);
  main.append(section);

  // ---------- filter controls ----------
  function addFilterRow(key = 'EventName', value = '', focus = false) {
    const n = ++idCounter;
    const select = el('select', { class: 'filter-key', id: `filter-key-${n}` },
      ATTRIBUTE_KEYS.map(([k, label]) => el('option', { value: k, text: label })));
    if (!ATTRIBUTE_KEYS.some(([k]) => k === key)) select.append(el('option', { value: key, text: key }));
    select.value = key;
    const input = el('input', { class: 'filter-value', id: `filter-value-${n}`, type: 'text', value, spellcheck: 'false', autocomplete: 'off', placeholder: 'Value' });
    const setHints = () => {
      if (VALUE_HINTS[select.value]) input.setAttribute('list', `filter-hints-${select.value}`);
      else input.removeAttribute('list');
    };
    setHints();
    select.addEventListener('change', setHints);
    const remove = el('button', { class: 'remove-filter secondary icon', type: 'button', 'aria-label': 'Remove this filter', title: 'Remove this filter', text: '×' });
    const row = el('div', { class: 'filter-row' },
      el('label', { class: 'visually-hidden', for: select.id, text: 'Attribute' }), select,
      el('label', { class: 'visually-hidden', for: input.id, text: 'Value' }), input, remove);
    remove.addEventListener('click', () => {
      const rows = [...filtersBox.querySelectorAll('.filter-row')];
      const i = rows.indexOf(row);
      row.remove();
      const left = [...filtersBox.querySelectorAll('.filter-row')];
      if (left.length) left[Math.min(i, left.length - 1)].querySelector('.filter-value').focus();
      else addFilter.focus();
    });
    filtersBox.append(row);
    if (focus) select.focus();
    return row;
  }

  function setControls(f) {
    clear(filtersBox);
    if (f.attrs.length) for (const a of f.attrs) addFilterRow(a.key, a.value);
    else addFilterRow();
    if (!f.range) timeRange.value = '';
    else if (f.range.rel) {
      const v = `rel:${f.range.rel}`;
      if (![...timeRange.options].some((o) => o.value === v)) {
        timeRange.insertBefore(el('option', { value: v, text: `Last ${f.range.rel} seconds` }), timeRange.options[timeRange.options.length - 1]);
      }
      timeRange.value = v;
    } else {
      timeRange.value = 'absolute';
      timeStart.value = toLocalInput(f.range.abs[0]);
      timeEnd.value = toLocalInput(f.range.abs[1]);
    }
    absBox.hidden = timeRange.value !== 'absolute';
  }

  function readControls() {
    const attrs = [];
    for (const row of filtersBox.querySelectorAll('.filter-row')) {
      const key = row.querySelector('.filter-key').value;
      const value = row.querySelector('.filter-value').value.trim();
      if (value) attrs.push({ key, value });
    }
    let range = null;
    const v = timeRange.value;
    if (v.startsWith('rel:')) range = { rel: Number(v.slice(4)) };
    else if (v === 'absolute') {
      const s = fromLocalInput(timeStart.value);
      const e = fromLocalInput(timeEnd.value);
      if (s != null || e != null) range = { abs: [s, e] };
    }
    return { attrs, range };
  }

  timeRange.addEventListener('change', () => {
    absBox.hidden = timeRange.value !== 'absolute';
    if (!absBox.hidden && !timeStart.value && !timeEnd.value) {
      const now = Math.floor(Date.now() / 1000);
      timeStart.value = toLocalInput(now - 86400);
      timeEnd.value = toLocalInput(now);
    }
  });
  addFilter.addEventListener('click', () => addFilterRow('EventName', '', true));
  applyButton.addEventListener('click', () => applyFromControls());
  section.querySelector('.filter-panel').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement && (e.target.classList.contains('filter-value') || e.target.type === 'datetime-local')) {
      e.preventDefault();
      applyFromControls();
    }
  });

  function hashFor(key, eventId) {
    const q = [key, eventId ? `event=${enc(eventId)}` : ''].filter(Boolean).join('&');
    return `#/history${q ? `?${q}` : ''}`;
  }

  function applyFromControls() {
    const t0 = performance.now();
    const f = readControls();
    const key = serializeFilter(f);
    const hash = hashFor(key, null);
    if (location.hash !== hash) pushHash(hash); else replaceHash(hash);
    closeDetail(false);
    applyFilter(f, t0);
  }

  // ---------- columns ----------
  function renderHead() {
    const tr = el('tr');
    for (const c of COLUMNS) if (visibleColumns.has(c.key)) tr.append(el('th', { scope: 'col', dataset: { column: c.key }, text: c.label }));
    clear(thead).append(tr);
  }

  function visibleCols() {
    const cols = COLUMNS.filter((c) => visibleColumns.has(c.key));
    return cols.length ? cols : [COLUMNS[0]];
  }

  function record(ev) {
    if (records.has(ev.EventId)) return records.get(ev.EventId);
    let rec = null;
    if (ev.CloudTrailEvent && typeof ev.CloudTrailEvent === 'object') rec = ev.CloudTrailEvent;
    else if (typeof ev.CloudTrailEvent === 'string') { try { rec = JSON.parse(ev.CloudTrailEvent); } catch { rec = null; } }
    records.set(ev.EventId, rec);
    return rec;
  }

  function renderRow(ev, cols) {
    const needsRecord = cols.some((c) => c.get.length > 1);
    const rec = needsRecord ? record(ev) : null;
    const tr = el('tr', { class: 'event-row', tabindex: '0', dataset: { eventId: ev.EventId } });
    if (ev.EventId === detailId) tr.classList.add('selected');
    for (const c of cols) {
      const v = c.get(ev, rec);
      tr.append(el('td', { class: c.cls || null, dataset: { column: c.key }, text: v === undefined || v === null || v === '' ? '—' : String(v) }));
    }
    return tr;
  }

  function renderAllRows() {
    renderHead();
    const cols = visibleCols();
    const frag = document.createDocumentFragment();
    for (const ev of events) frag.append(renderRow(ev, cols));
    if (!events.length && !loadingFirst && applied) frag.append(emptyRow());
    clear(tbody).append(frag);
  }

  function emptyRow() {
    return el('tr', { class: 'empty-row' }, el('td', { colspan: String(visibleCols().length), text: 'No events match this filter.' }));
  }

  columnsButton.addEventListener('click', () => toggleColumnsMenu());
  function toggleColumnsMenu(open = columnsMenu.hidden) {
    columnsMenu.hidden = !open;
    columnsButton.setAttribute('aria-expanded', String(open));
    if (open) { const first = columnsMenu.querySelector('input'); if (first) first.focus(); }
  }
  columnsMenu.addEventListener('change', (e) => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.column) return;
    if (box.checked) visibleColumns.add(box.dataset.column); else visibleColumns.delete(box.dataset.column);
    try { localStorage.setItem(COLUMNS_KEY, JSON.stringify(COLUMNS.filter((c) => visibleColumns.has(c.key)).map((c) => c.key))); } catch { /* ignore */ }
    renderAllRows();
  });
  function onDocClick(e) {
    if (!columnsMenu.hidden && !columnsMenu.contains(e.target) && e.target !== columnsButton) toggleColumnsMenu(false);
  }
  document.addEventListener('click', onDocClick);

  // ---------- loading ----------
  function setStatus() {
    if (loadingFirst) { status.textContent = 'Loading…'; return; }
    status.textContent = `${plural(events.length, 'event', 'events')} shown`;
  }

  function showError(err) {
    errorBox.textContent = describeError(err);
    errorBox.hidden = false;
  }

  function updateDownloads() {
    if (!applied) return;
    downloadCsv.href = `/console/download?${endpointQuery(applied, { format: 'csv' })}`;
    downloadJson.href = `/console/download?${endpointQuery(applied, { format: 'json' })}`;
  }
  // relative ranges move with the clock: recompute just before the browser follows the link
  for (const a of [downloadCsv, downloadJson]) a.addEventListener('click', updateDownloads);

  function appendEvents(list) {
    const cols = visibleCols();
    const frag = document.createDocumentFragment();
    let added = 0;
    for (const ev of list || []) {
      if (!ev || !ev.EventId || shown.has(ev.EventId)) continue;
      shown.add(ev.EventId);
      events.push(ev);
      frag.append(renderRow(ev, cols));
      added++;
    }
    const empty = tbody.querySelector('.empty-row');
    if (empty && (added || events.length)) empty.remove();
    tbody.append(frag);
    return added;
  }

  function prependEvents(list) {
    const fresh = [];
    for (const ev of list || []) {
      if (!ev || !ev.EventId || shown.has(ev.EventId)) continue;
      shown.add(ev.EventId);
      fresh.push(ev);
    }
    if (!fresh.length) return 0;
    fresh.sort((a, b) => (toEpoch(b.EventTime) || 0) - (toEpoch(a.EventTime) || 0));
    const cols = visibleCols();
    const frag = document.createDocumentFragment();
    for (const ev of fresh) {
      const tr = renderRow(ev, cols);
      tr.classList.add('fresh');
      frag.append(tr);
    }
    const empty = tbody.querySelector('.empty-row');
    if (empty) empty.remove();
    tbody.insertBefore(frag, tbody.firstChild);
    events = fresh.concat(events);
    if (live && events.length > MAX_LIVE_ROWS) {
      for (const ev of events.splice(MAX_LIVE_ROWS)) {
        shown.delete(ev.EventId);
        records.delete(ev.EventId);
      }
      const rows = tbody.querySelectorAll('tr.event-row');
      for (let i = MAX_LIVE_ROWS; i < rows.length; i++) rows[i].remove();
      nextToken = null;
      loadMoreButton.hidden = true;
    }
    pending = pending.filter((p) => !shown.has(p.EventId));
    updateNewButton();
    setStatus();
    return fresh.length;
  }

  async function applyFilter(f, t0 = performance.now()) {
    const my = ++seq;
    applied = f;
    appliedKey = serializeFilter(f);
    base = lookupBase(f);
    nextToken = null;
    events = [];
    shown.clear();
    pending = [];
    pendingMore = false;
    updateNewButton();
    loadingFirst = true;
    loadingMore = false;
    loadMoreButton.hidden = true;
    errorBox.hidden = true;
    table.setAttribute('data-state', 'loading');
    table.setAttribute('aria-busy', 'true');
    renderHead();
    clear(tbody);
    setStatus();
    updateDownloads();
    if (live) startLive();
    let res;
    try {
      res = await api('LookupEvents', { ...base, MaxResults: PAGE_SIZE });
    } catch (err) {
      if (my !== seq || !alive) return;
      loadingFirst = false;
      table.setAttribute('data-state', 'error');
      table.removeAttribute('aria-busy');
      status.textContent = 'Could not load events.';
      showError(err);
      if (wantEventId) { const id = wantEventId; wantEventId = null; openDetail(id, { updateHash: false, focus: false }); }
      return;
    }
    if (my !== seq || !alive) return;
    loadingFirst = false;
    const rows = appendEvents(res.Events);
    if (!events.length) tbody.append(emptyRow());
    nextToken = res.NextToken || null;
    loadMoreButton.hidden = !nextToken;
    table.setAttribute('data-state', 'ready');
    table.removeAttribute('aria-busy');
    const render = { filterKey: appliedKey, startedAt: t0, renderedAt: performance.now(), rows };
    window.cairnHistoryRender = render;
    // paintedAt: once the frame holding the rows is painted (a message posted from the frame's callback runs after it).
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { render.paintedAt = performance.now(); };
      channel.port2.postMessage(0);
    });
    setStatus();
    if (wantEventId) { const id = wantEventId; wantEventId = null; openDetail(id, { updateHash: false, focus: false }); }
  }

  async function loadMore() {
    if (!nextToken || loadingMore || loadingFirst) return;
    const my = seq;
    loadingMore = true;
    loadMoreButton.disabled = true;
    loadMoreButton.textContent = 'Loading…';
    try {
      const res = await api('LookupEvents', { ...base, MaxResults: PAGE_SIZE, NextToken: nextToken });
      if (my !== seq || !alive) return;
      appendEvents(res.Events);
      nextToken = res.NextToken || null;
      setStatus();
    } catch (err) {
      if (my !== seq || !alive) return;
      showError(err);
    } finally {
      if (my === seq) {
        loadingMore = false;
        loadMoreButton.disabled = false;
        loadMoreButton.textContent = 'Load more events';
        loadMoreButton.hidden = !nextToken;
      }
    }
  }
  loadMoreButton.addEventListener('click', () => loadMore());
  let observer = null;
  if ('IntersectionObserver' in window) {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && nextToken && !loadingMore && !loadingFirst) loadMore();
    }, { rootMargin: '0px 0px 300px 0px' });
    observer.observe(sentinel);
  }

  // ---------- new events (polling) ----------
  function updateNewButton() {
    const n = pending.length;
    if (!n || live) { newButton.hidden = true; return; }
    newButton.textContent = `${pendingMore ? `${n}+` : n} new event${n === 1 && !pendingMore ? '' : 's'}`;
    newButton.hidden = false;
  }

  async function poll() {
    if (!alive || live || loadingFirst || !applied || document.visibilityState !== 'visible') return;
    if (applied.range && applied.range.abs && applied.range.abs[1] != null) return; // a closed range gets no new events
    const my = seq;
    const p = { MaxResults: PAGE_SIZE };
    if (base.LookupAttributes) p.LookupAttributes = base.LookupAttributes;
    const newest = events.length ? toEpoch(events[0].EventTime) : null;
    const start = newest != null ? Math.floor(newest) : lookupBase(applied).StartTime;
    if (start != null) p.StartTime = start;
    try {
      const res = await api('LookupEvents', p);
      if (my !== seq || !alive || live) return;
      // This page's own polls are events too (every call is recorded): they are not news to its user.
      const ownKey = (currentSession() || {}).accessKeyId;
      pending = (res.Events || []).filter((ev) => ev && ev.EventId && !shown.has(ev.EventId)
        && !(ownKey && ev.AccessKeyId === ownKey && ev.ReadOnly === 'true'));
      pendingMore = !!res.NextToken && pending.length >= PAGE_SIZE;
      updateNewButton();
    } catch {
      /* a failed poll is retried at the next tick */
    }
  }
  const pollTimer = setInterval(poll, POLL_MS);

  newButton.addEventListener('click', () => {
    if (pendingMore) { applyFilter(applied); return; }
    prependEvents(pending);
    pending = [];
    updateNewButton();
    const first = tbody.querySelector('tr.event-row');
    if (first) first.focus();
  });

  // ---------- live mode ----------
  function startLive() {
    stopLive();
    if (!applied) return;
    if (lookupBase(applied).EndTime != null) {
      // New events fall after the range's end: live mode is for ranges that run to now.
      liveToggle.checked = false;
      liveState.textContent = 'Live needs a time range that runs to now.';
      return;
    }
    if (pending.length) { prependEvents(pending); pending = []; }
    const es = new EventSource(`/console/live?${endpointQuery(applied, { times: false })}`);
    live = es;
    liveState.textContent = 'Connecting…';
    updateNewButton();
    es.addEventListener('open', () => { if (live === es) liveState.textContent = 'Live'; });
    es.addEventListener('events', (e) => {
      if (live !== es) return;
      let data;
      try { data = JSON.parse(e.data); } catch { return; }
      prependEvents(data && data.Events);
    });
    es.addEventListener('skipped', (e) => {
      if (live !== es) return;
      const n = Number(e.data) || 0;
      liveState.textContent = `Live: events arrive faster than shown; ${n.toLocaleString('en')} skipped (the history has them).`;
    });
    es.addEventListener('error', () => {
      if (live !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        liveState.textContent = 'Live updates stopped.';
        live = null;
        liveToggle.checked = false;
        getJson('/console/session').catch(() => {}); // a 401 sends the user to sign-in
      } else {
        liveState.textContent = 'Reconnecting…';
      }
    });
  }
  function stopLive() {
    if (live) { live.close(); live = null; }
    liveState.textContent = '';
  }
  liveToggle.addEventListener('change', () => {
    if (liveToggle.checked) startLive();
    else { stopLive(); poll(); }
  });

  // ---------- rows and detail ----------
  tbody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr.event-row');
    if (tr && !e.target.closest('a')) openDetail(tr.dataset.eventId, { updateHash: true, focus: true });
  });
  tbody.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr.event-row');
    if (!tr || e.target !== tr) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openDetail(tr.dataset.eventId, { updateHash: true, focus: true }); }
    else if (e.key === 'ArrowDown' && tr.nextElementSibling) { e.preventDefault(); tr.nextElementSibling.focus(); }
    else if (e.key === 'ArrowUp' && tr.previousElementSibling) { e.preventDefault(); tr.previousElementSibling.focus(); }
  });

  function rowOf(id) {
    return tbody.querySelector(`tr.event-row[data-event-id="${CSS.escape(id)}"]`);
  }

  async function openDetail(id, { updateHash = true, focus = true } = {}) {
    const my = ++detailSeq;
    if (detailId && detailId !== id) { const old = rowOf(detailId); if (old) old.classList.remove('selected'); }
    detailId = id;
    const row = rowOf(id);
    if (row) row.classList.add('selected');
    if (updateHash) replaceHash(hashFor(appliedKey || '', id));
    detail.hidden = false;
    section.classList.add('detail-open');
    let ev = events.find((x) => x.EventId === id);
    if (!ev) {
      detailTitle.textContent = 'Event';
      clear(detailBody).append(el('p', { class: 'muted', text: 'Loading…' }));
      if (focus) detail.focus();
      try {
        const res = await api('LookupEvents', { LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: id }], MaxResults: 1 });
        ev = (res.Events || [])[0];
      } catch (err) {
        if (my !== detailSeq) return;
        clear(detailBody).append(el('div', { class: 'error', role: 'alert', text: describeError(err) }));
        return;
      }
      if (my !== detailSeq) return;
      if (!ev) {
        clear(detailBody).append(el('p', { class: 'error', role: 'alert', text: `No event with ID ${id} in this region.` }));
        return;
      }
    }
    fillDetail(ev);
    if (focus) detail.focus();
  }

  function fillDetail(ev) {
    const rec = record(ev);
    detailTitle.textContent = ev.EventName || 'Event';
    const resources = Array.isArray(ev.Resources) ? ev.Resources.filter(Boolean) : [];
    const dl = el('dl', { class: 'kv' });
    const add = (label, value, node) => {
      if ((value === undefined || value === null || value === '') && !node) return;
      dl.append(el('dt', { text: label }), el('dd', {}, node || String(value)));
    };
    add('Event time', fmtTime(ev.EventTime));
    add('User name', null, ev.Username ? el('a', { class: 'username-link', href: usernameHref(ev.Username), text: ev.Username }) : el('span', { text: '—' }));
    add('Event source', ev.EventSource);
    add('Event ID', ev.EventId);
    add('AWS region', rec && rec.awsRegion);
    add('Source IP address', rec && rec.sourceIPAddress);
    add('AWS access key', ev.AccessKeyId);
    add('Read-only', ev.ReadOnly);
    add('Event type', rec && rec.eventType);
    add('Error code', rec && rec.errorCode);
    add('Error message', rec && rec.errorMessage);
    if (resources.length) {
      add('Resources', null, el('ul', { class: 'plain' }, resources.map((r) => el('li', {},
        r.ResourceType ? el('span', { class: 'muted', text: `${r.ResourceType}: ` }) : null,
        r.ResourceName ? el('a', { class: 'resource-link', href: resourceHref(r.ResourceName), text: r.ResourceName }) : '—'))));
    }
    const pre = el('pre', { id: 'event-json', class: 'json', tabindex: '0', 'aria-label': 'Event record (JSON)' });
    if (rec !== null && rec !== undefined) {
      renderJson(pre, rec, { resourceNames: new Set(resources.map((r) => r.ResourceName).filter(Boolean)), username: ev.Username });
    } else {
      pre.textContent = typeof ev.CloudTrailEvent === 'string' ? ev.CloudTrailEvent : '(no record)';
    }
    clear(detailBody).append(dl, el('h3', { text: 'Event record' }), pre);
  }

  function closeDetail(restoreFocus = true, updateHash = true) {
    if (!detailId && detail.hidden) return;
    const id = detailId;
    detailSeq++;
    detailId = null;
    detail.hidden = true;
    section.classList.remove('detail-open');
    if (updateHash && appliedKey !== null) replaceHash(hashFor(appliedKey, null));
    const row = id ? rowOf(id) : null;
    if (row) row.classList.remove('selected');
    if (restoreFocus) (row || table).focus();
  }
  closeDetailButton.addEventListener('click', () => closeDetail(true));

  function onKeydown(e) {
    if (e.key !== 'Escape') return;
    if (!columnsMenu.hidden) { toggleColumnsMenu(false); columnsButton.focus(); e.preventDefault(); return; }
    if (!detail.hidden) { closeDetail(true); e.preventDefault(); }
  }
  document.addEventListener('keydown', onKeydown);

  // ---------- start ----------
  function fromParams(p, t0) {
    const f = parseFilter(p);
    const key = serializeFilter(f);
    const ev = p.get('event');
    if (key !== appliedKey) {
      setControls(f);
      if (detailId) closeDetail(false, false);
      wantEventId = ev;
      applyFilter(f, t0);
    } else if (ev && ev !== detailId) {
      openDetail(ev, { updateHash: false, focus: true });
    } else if (!ev && detailId) {
      closeDetail(false, false);
    }
  }

  renderHead();
  fromParams(params, performance.now());

  return {
    update(p) { fromParams(p, performance.now()); },
    unmount() {
      alive = false;
      seq++;
      clearInterval(pollTimer);
      stopLive();
      if (observer) observer.disconnect();
      document.removeEventListener('keydown', onKeydown);
      document.removeEventListener('click', onDocClick);
    },
  };
}
