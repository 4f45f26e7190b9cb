// Small DOM and formatting helpers. Nothing here ever parses HTML: text always goes in as text nodes.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. attrs: class, text, dataset ({...}), on ({event: fn}), hidden/checked/value/disabled/selected
 * (set as properties), anything else as an attribute (skipped when null/undefined/false).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  applyAttrs(node, attrs);
  append(node, children);
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttrs(node, attrs);
  append(node, children);
  return node;
}

const PROPS = new Set(['hidden', 'checked', 'value', 'disabled', 'selected', 'required', 'multiple', 'open']);

function applyAttrs(node, attrs) {
  if (!attrs) return;
  for (const [key, val] of Object.entries(attrs)) {
    if (val === undefined || val === null) continue;
    if (key === 'class') node.setAttribute('class', Array.isArray(val) ? val.filter(Boolean).join(' ') : val);
    else if (key === 'text') node.textContent = String(val);
    else if (key === 'dataset') for (const [k, v] of Object.entries(val)) { if (v != null) node.dataset[k] = String(v); }
    else if (key === 'on') for (const [ev, fn] of Object.entries(val)) node.addEventListener(ev, fn);
    else if (PROPS.has(key)) node[key] = val;
    else if (val === false) continue;
    else node.setAttribute(key, val === true ? '' : String(val));
  }
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

/** Converts an API timestamp (epoch seconds, numeric string or ISO string) to a Date, or null. */
export function toDate(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return Number.isFinite(t) && t > 0 ? new Date(t * 1000) : null;
  if (typeof t === 'string' && /^\d+(\.\d+)?$/.test(t)) return toDate(Number(t));
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Epoch seconds (possibly fractional) of an API timestamp, or null. */
export function toEpoch(t) {
  const d = toDate(t);
  return d ? d.getTime() / 1000 : null;
}

/** `2026-12-06 09:15:03 UTC`, or the fallback when there is no time. */
export function fmtTime(t, fallback = '—') {
  const d = toDate(t);
  if (!d || Number.isNaN(d.getTime())) return fallback;
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** `09:15` (UTC) */
export function fmtClock(t) {
  const d = toDate(t);
  return d ? d.toISOString().slice(11, 16) : '';
}

/** Value for an <input type=datetime-local> showing the UTC time of epoch seconds. */
export function toLocalInput(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined || epochSeconds === '') return '';
  const d = new Date(Number(epochSeconds) * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}

/** Epoch seconds of a datetime-local value read as UTC, or null when empty/invalid. */
export function fromLocalInput(value) {
  if (!value) return null;
  const v = value.length === 16 ? value + ':00' : value;
  const ms = Date.parse(v + 'Z');
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

export function yesNo(b) {
  if (b === true || b === 'true') return 'Yes';
  if (b === false || b === 'false') return 'No';
  return '—';
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** encodeURIComponent that leaves ':' and '/' readable (both are safe in a query value). */
export function enc(v) {
  return encodeURIComponent(v).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** Parses the URL hash: `#/history?a=b` → {path: '/history', query: 'a=b', params}. */
export function parseHash(hash = location.hash) {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const i = h.indexOf('?');
  const path = i < 0 ? h : h.slice(0, i);
  const query = i < 0 ? '' : h.slice(i + 1);
  return { path, query, params: new URLSearchParams(query) };
}

/** A labelled form field: <div class="field"><label for=id>text</label>control hint</div>. */
export function field(labelText, control, hint) {
  const label = el('label', { for: control.id, text: labelText });
  return el('div', { class: 'field' }, label, control, hint ? el('p', { class: 'hint', id: control.id + '-hint', text: hint }) : null);
}

export function describeError(err) {
  if (!err) return 'Unknown error';
  if (err.message) return err.message;
  return String(err);
}
