// Renders a parsed CloudTrail record as JSON.stringify(record, null, 2) text, built from DOM nodes, with links on
// ARNs, on the event's resource names (→ ResourceName filter) and on its user name (→ Username filter).
import { el, enc } from './format.js';

export function resourceHref(value) { return `#/history?attr=${enc('ResourceName:' + value)}`; }
export function usernameHref(value) { return `#/history?attr=${enc('Username:' + value)}`; }

/**
 * @param {HTMLElement} pre the element to fill (emptied first)
 * @param {*} record parsed record
 * @param {{resourceNames?: Set<string>, username?: string}} ctx
 */
export function renderJson(pre, record, ctx = {}) {
  const resourceNames = ctx.resourceNames || new Set();
  const username = ctx.username || '';
  const frag = document.createDocumentFragment();
  let buf = '';
  const flush = () => { if (buf) { frag.append(document.createTextNode(buf)); buf = ''; } };
  const span = (cls, text) => { flush(); frag.append(el('span', { class: cls, text })); };

  function string(s) {
    const quoted = JSON.stringify(s);
    let link = null;
    if (s.startsWith('arn:') || resourceNames.has(s)) link = el('a', { class: 'resource-link', href: resourceHref(s), title: `Events with resource name ${s}` });
    else if (username && s === username) link = el('a', { class: 'username-link', href: usernameHref(s), title: `Events by user ${s}` });
    if (!link) { span('json-string', quoted); return; }
    flush();
    link.textContent = quoted.slice(1, -1);
    frag.append(el('span', { class: 'json-string' }, '"', link, '"'));
  }

  function walk(v, indent) {
    if (v === null) { span('json-null', 'null'); return; }
    if (Array.isArray(v)) {
      if (v.length === 0) { buf += '[]'; return; }
      buf += '[\n';
      const inner = indent + '  ';
      v.forEach((item, i) => {
        buf += inner;
        walk(item === undefined || typeof item === 'function' ? null : item, inner);
        buf += i < v.length - 1 ? ',\n' : '\n';
      });
      buf += indent + ']';
      return;
    }
    switch (typeof v) {
      case 'string': string(v); return;
      case 'number': span('json-number', Number.isFinite(v) ? String(v) : 'null'); return;
      case 'boolean': span('json-bool', String(v)); return;
      case 'object': {
        const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
        if (keys.length === 0) { buf += '{}'; return; }
        buf += '{\n';
        const inner = indent + '  ';
        keys.forEach((k, i) => {
          buf += inner;
          span('json-key', JSON.stringify(k));
          buf += ': ';
          walk(v[k], inner);
          buf += i < keys.length - 1 ? ',\n' : '\n';
        });
        buf += indent + '}';
        return;
      }
      default: span('json-null', 'null');
    }
  }

  walk(record, '');
  flush();
  while (pre.firstChild) pre.firstChild.remove();
  pre.append(frag);
}
