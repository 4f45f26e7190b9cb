// Event selector editor (create trail, trail detail): default / basic EventSelectors / AdvancedEventSelectors,
// with a JSON view of the advanced selectors that can be edited directly.
import { el, clear } from './format.js';

export const DEFAULT_EVENT_SELECTORS = {
  EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }],
};
const RW_TYPES = [['All', 'All (read and write)'], ['ReadOnly', 'Read-only'], ['WriteOnly', 'Write-only']];
const OPERATORS = ['Equals', 'NotEquals', 'StartsWith', 'NotStartsWith', 'EndsWith', 'NotEndsWith'];
const FIELDS = ['eventCategory', 'eventSource', 'eventName', 'readOnly', 'resources.type', 'resources.ARN', 'eventType',
  'userIdentity.arn', 'sessionCredentialFromConsole', 'errorCode'];
const DATA_TYPES = ['AWS::S3::Object', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table'];
const MODE_HINTS = {
  default: 'No selectors are sent: the trail logs all read and write management events and no data events.',
  basic: 'Basic event selectors: management events by read/write type, and data events by resource (at most 5 selectors).',
  advanced: 'Advanced event selectors: each selector matches the events for which all of its field conditions hold.',
};

const splitList = (s) => s.split(',').map((v) => v.trim()).filter(Boolean);
const joinList = (a) => (a || []).join(', ');

function newBasic() {
  return { ReadWriteType: 'All', IncludeManagementEvents: true, exclude: [], data: [] };
}
function newAdvanced() {
  return { Name: 'Management events', rows: [{ Field: 'eventCategory', op: 'Equals', values: ['Management'] }] };
}

function isDefaultBasic(list) {
  if (!Array.isArray(list) || list.length !== 1) return false;
  const s = list[0] || {};
  return (s.ReadWriteType || 'All') === 'All' && s.IncludeManagementEvents !== false
    && !(s.DataResources && s.DataResources.length) && !(s.ExcludeManagementEventSources && s.ExcludeManagementEventSources.length);
}

/** AdvancedEventSelectors (API shape) → editor model; throws Error with a readable message when it cannot. */
function advancedFromApi(list) {
  if (!Array.isArray(list)) throw new Error('Expected a JSON array of advanced event selectors (or {"AdvancedEventSelectors": [...]}).');
  return list.map((s, i) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(`Selector ${i + 1} is not an object.`);
    for (const k of Object.keys(s)) if (k !== 'Name' && k !== 'FieldSelectors') throw new Error(`Selector ${i + 1}: unknown key "${k}".`);
    if (s.Name != null && typeof s.Name !== 'string') throw new Error(`Selector ${i + 1}: Name must be a string.`);
    const fs = s.FieldSelectors ?? [];
    if (!Array.isArray(fs)) throw new Error(`Selector ${i + 1}: FieldSelectors must be an array.`);
    const rows = [];
    fs.forEach((f, j) => {
      if (!f || typeof f !== 'object' || Array.isArray(f)) throw new Error(`Selector ${i + 1}, field selector ${j + 1} is not an object.`);
      if (typeof f.Field !== 'string') throw new Error(`Selector ${i + 1}, field selector ${j + 1}: Field must be a string.`);
      let any = false;
      for (const [k, v] of Object.entries(f)) {
        if (k === 'Field') continue;
        if (!OPERATORS.includes(k)) throw new Error(`Selector ${i + 1}, field selector ${j + 1}: unknown operator "${k}".`);
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`Selector ${i + 1}, field selector ${j + 1}: ${k} must be an array of strings.`);
        rows.push({ Field: f.Field, op: k, values: [...v] });
        any = true;
      }
      if (!any) rows.push({ Field: f.Field, op: 'Equals', values: [] });
    });
    return { Name: s.Name ?? '', rows };
  });
}

function advancedToApi(model) {
  return model.map((s) => {
    const out = {};
    if (s.Name) out.Name = s.Name;
    const byField = new Map();
    for (const r of s.rows) {
      const field = r.Field.trim();
      if (!byField.has(field)) byField.set(field, { Field: field });
      const fsel = byField.get(field);
      fsel[r.op] = (fsel[r.op] || []).concat(r.values);
    }
    out.FieldSelectors = [...byField.values()];
    return out;
  });
}

function basicFromApi(list) {
  return (list || []).map((s) => ({
    ReadWriteType: s.ReadWriteType || 'All',
    IncludeManagementEvents: s.IncludeManagementEvents !== false,
    exclude: [...(s.ExcludeManagementEventSources || [])],
    data: (s.DataResources || []).map((d) => ({ Type: d.Type || '', Values: [...(d.Values || [])] })),
  }));
}

function basicToApi(model) {
  return model.map((s) => {
    const out = {
      ReadWriteType: s.ReadWriteType,
      IncludeManagementEvents: s.IncludeManagementEvents,
      DataResources: s.data.map((d) => ({ Type: d.Type.trim(), Values: d.Values })),
    };
    if (s.exclude.length) out.ExcludeManagementEventSources = s.exclude;
    return out;
  });
}

let editorCount = 0;

export function createSelectorEditor({ onChange } = {}) {
  const uid = ++editorCount;
  const state = { mode: 'default', basic: [newBasic()], advanced: [newAdvanced()] };
  let dirty = false;

  const modeSelect = el('select', { id: 'selector-mode' },
    el('option', { value: 'default', text: 'Default: all management events' }),
    el('option', { value: 'basic', text: 'Basic event selectors' }),
    el('option', { value: 'advanced', text: 'Advanced event selectors' }));
  const modeHint = el('p', { class: 'hint', id: `selector-mode-hint-${uid}` });
  modeSelect.setAttribute('aria-describedby', modeHint.id);

  const basicList = el('div', { class: 'selector-list' });
  const addBasic = el('button', { type: 'button', class: 'secondary', text: '+ Add selector' });
  const basicBox = el('div', { class: 'basic-editor', hidden: true }, basicList, addBasic);

  const advancedList = el('div', { class: 'selector-list' });
  const addAdvanced = el('button', { type: 'button', class: 'secondary', text: '+ Add selector' });
  const jsonArea = el('textarea', { id: 'advanced-selectors-json', class: 'mono json-input', rows: '12', spellcheck: 'false', 'aria-describedby': 'advanced-json-error' });
  const jsonError = el('div', { id: 'advanced-json-error', class: 'error small', role: 'alert', hidden: true });
  const advancedBox = el('div', { class: 'advanced-editor', hidden: true },
    advancedList, addAdvanced,
    el('div', { class: 'field json-view' },
      el('label', { for: 'advanced-selectors-json', text: 'AdvancedEventSelectors as JSON (editing it replaces the selectors above)' }),
      jsonArea, jsonError));

  const datalistFields = el('datalist', { id: `advanced-fields-${uid}` }, FIELDS.map((f) => el('option', { value: f })));
  const datalistTypes = el('datalist', { id: `data-resource-types-${uid}` }, DATA_TYPES.map((f) => el('option', { value: f })));

  const element = el('fieldset', { class: 'selector-editor' },
    el('legend', { text: 'Event selectors' }),
    el('div', { class: 'field' }, el('label', { for: 'selector-mode', text: 'Events to log' }), modeSelect, modeHint),
    basicBox, advancedBox, datalistFields, datalistTypes);

  function changed() {
    dirty = true;
    if (document.activeElement !== jsonArea) syncJson();
    if (onChange) onChange();
  }

  function syncJson() {
    jsonArea.value = JSON.stringify(advancedToApi(state.advanced), null, 2);
    jsonError.hidden = true;
    jsonError.textContent = '';
  }

  function labelled(text, control, cls = 'field') {
    return el('label', { class: cls }, el('span', { class: 'label-text', text }), control);
  }

  // ----- basic -----
  function renderBasic(focusLast = false) {
    clear(basicList);
    state.basic.forEach((s, i) => {
      const rw = el('select', { class: 'rw-type' }, RW_TYPES.map(([v, t]) => el('option', { value: v, text: t })));
      rw.value = s.ReadWriteType;
      rw.addEventListener('change', () => { s.ReadWriteType = rw.value; changed(); });
      const mgmt = el('input', { type: 'checkbox', class: 'include-management', checked: s.IncludeManagementEvents });
      mgmt.addEventListener('change', () => { s.IncludeManagementEvents = mgmt.checked; changed(); });
      const excl = el('input', { type: 'text', class: 'exclude-sources', value: joinList(s.exclude), placeholder: 'kms.amazonaws.com, rdsdata.amazonaws.com', spellcheck: 'false' });
      excl.addEventListener('input', () => { s.exclude = splitList(excl.value); changed(); });

      const dataList = el('div', { class: 'data-resources' });
      s.data.forEach((d, j) => {
        const type = el('input', { type: 'text', class: 'dr-type', value: d.Type, list: datalistTypes.id, spellcheck: 'false', placeholder: 'AWS::S3::Object' });
        type.addEventListener('input', () => { d.Type = type.value; changed(); });
        const values = el('input', { type: 'text', class: 'dr-values', value: joinList(d.Values), spellcheck: 'false', placeholder: 'arn:aws:s3:::bucket/' });
        values.addEventListener('input', () => { d.Values = splitList(values.value); changed(); });
        const rm = el('button', { type: 'button', class: 'secondary icon remove-data-resource', 'aria-label': `Remove data resource ${j + 1} of selector ${i + 1}`, text: '×' });
        rm.addEventListener('click', () => { s.data.splice(j, 1); changed(); renderBasic(); focusIn(basicList, i, '.add-data-resource'); });
        dataList.append(el('div', { class: 'data-resource row-fields' },
          labelled('Data resource type', type), labelled('Values (ARNs or prefixes, comma-separated)', values), rm));
      });
      const addData = el('button', { type: 'button', class: 'secondary small add-data-resource', text: '+ Add data resource' });
      addData.addEventListener('click', () => { s.data.push({ Type: 'AWS::S3::Object', Values: [] }); changed(); renderBasic(); focusIn(basicList, i, '.data-resource:last-of-type .dr-type'); });
      const rmSel = el('button', { type: 'button', class: 'secondary small remove-selector', text: 'Remove selector' });
      rmSel.addEventListener('click', () => { state.basic.splice(i, 1); changed(); renderBasic(); addBasic.focus(); });

      basicList.append(el('fieldset', { class: 'selector' },
        el('legend', { text: `Selector ${i + 1}` }),
        el('div', { class: 'row-fields' },
          labelled('Read/write events', rw),
          el('label', { class: 'check' }, mgmt, ' Include management events'),
          labelled('Exclude management event sources (comma-separated)', excl)),
        el('div', { class: 'sub-head', text: 'Data events' }),
        dataList,
        el('div', { class: 'row-actions' }, addData, rmSel)));
    });
    addBasic.disabled = state.basic.length >= 5;
    if (focusLast) focusIn(basicList, state.basic.length - 1, 'select');
  }
  addBasic.addEventListener('click', () => { state.basic.push(newBasic()); changed(); renderBasic(true); });

  // ----- advanced -----
  function renderAdvanced(focusLast = false) {
    clear(advancedList);
    state.advanced.forEach((s, i) => {
      const name = el('input', { type: 'text', class: 'as-name', value: s.Name, placeholder: 'Optional', maxlength: '1000' });
      name.addEventListener('input', () => { s.Name = name.value; changed(); });
      const rowsBox = el('div', { class: 'field-selectors' });
      s.rows.forEach((r, j) => {
        const fieldInput = el('input', { type: 'text', class: 'fs-field', value: r.Field, list: datalistFields.id, spellcheck: 'false', placeholder: 'eventCategory' });
        fieldInput.addEventListener('input', () => { r.Field = fieldInput.value; changed(); });
        const op = el('select', { class: 'fs-operator' }, OPERATORS.map((o) => el('option', { value: o, text: o })));
        op.value = r.op;
        op.addEventListener('change', () => { r.op = op.value; changed(); });
        const values = el('input', { type: 'text', class: 'fs-values', value: joinList(r.values), spellcheck: 'false', placeholder: 'Management' });
        values.addEventListener('input', () => { r.values = splitList(values.value); changed(); });
        const rm = el('button', { type: 'button', class: 'secondary icon remove-field', 'aria-label': `Remove condition ${j + 1} of selector ${i + 1}`, text: '×' });
        rm.addEventListener('click', () => { s.rows.splice(j, 1); changed(); renderAdvanced(); focusIn(advancedList, i, '.add-field'); });
        rowsBox.append(el('div', { class: 'field-selector row-fields' },
          labelled('Field', fieldInput), labelled('Operator', op), labelled('Values (comma-separated)', values), rm));
      });
      const addField = el('button', { type: 'button', class: 'secondary small add-field', text: '+ Add condition' });
      addField.addEventListener('click', () => { s.rows.push({ Field: '', op: 'Equals', values: [] }); changed(); renderAdvanced(); focusIn(advancedList, i, '.field-selector:last-of-type .fs-field'); });
      const rmSel = el('button', { type: 'button', class: 'secondary small remove-selector', text: 'Remove selector' });
      rmSel.addEventListener('click', () => { state.advanced.splice(i, 1); changed(); renderAdvanced(); addAdvanced.focus(); });
      advancedList.append(el('fieldset', { class: 'advanced-selector selector' },
        el('legend', { text: `Selector ${i + 1}` }),
        labelled('Name', name),
        rowsBox,
        el('div', { class: 'row-actions' }, addField, rmSel)));
    });
    if (focusLast) focusIn(advancedList, state.advanced.length - 1, 'input');
  }
  addAdvanced.addEventListener('click', () => {
    state.advanced.push({ Name: '', rows: [{ Field: 'eventCategory', op: 'Equals', values: ['Data'] }, { Field: 'resources.type', op: 'Equals', values: [] }] });
    changed();
    renderAdvanced(true);
  });

  function focusIn(list, index, selector) {
    const fs = list.children[index];
    const target = fs && fs.querySelector(selector);
    if (target) target.focus();
  }

  jsonArea.addEventListener('input', () => {
    let parsed;
    try {
      parsed = JSON.parse(jsonArea.value);
      if (parsed && !Array.isArray(parsed) && typeof parsed === 'object' && 'AdvancedEventSelectors' in parsed) parsed = parsed.AdvancedEventSelectors;
      state.advanced = advancedFromApi(parsed);
    } catch (e) {
      jsonError.textContent = `Not applied: ${e.message}`;
      jsonError.hidden = false;
      return;
    }
    jsonError.hidden = true;
    jsonError.textContent = '';
    dirty = true;
    renderAdvanced();
    if (onChange) onChange();
  });
  jsonArea.addEventListener('blur', () => { if (jsonError.hidden) syncJson(); });

  function showMode() {
    modeSelect.value = state.mode;
    basicBox.hidden = state.mode !== 'basic';
    advancedBox.hidden = state.mode !== 'advanced';
    modeHint.textContent = MODE_HINTS[state.mode];
  }
  modeSelect.addEventListener('change', () => {
    state.mode = modeSelect.value;
    if (state.mode === 'basic' && !state.basic.length) { state.basic = [newBasic()]; renderBasic(); }
    if (state.mode === 'advanced' && !state.advanced.length) { state.advanced = [newAdvanced()]; renderAdvanced(); }
    showMode();
    changed();
  });

  renderBasic();
  renderAdvanced();
  syncJson();
  showMode();

  return {
    element,
    /** {EventSelectors:[...]} | {AdvancedEventSelectors:[...]} | null (default: send nothing) */
    get() {
      if (state.mode === 'basic') return { EventSelectors: basicToApi(state.basic) };
      if (state.mode === 'advanced') return { AdvancedEventSelectors: advancedToApi(state.advanced) };
      return null;
    },
    /** Fills the editor from a GetEventSelectors response. */
    set(resp) {
      const adv = resp && resp.AdvancedEventSelectors;
      const basic = resp && resp.EventSelectors;
      if (Array.isArray(adv) && adv.length) {
        state.mode = 'advanced';
        try { state.advanced = advancedFromApi(adv); } catch { state.advanced = []; }
        state.basic = [newBasic()];
      } else if (Array.isArray(basic) && basic.length && !isDefaultBasic(basic)) {
        state.mode = 'basic';
        state.basic = basicFromApi(basic);
        state.advanced = [newAdvanced()];
      } else {
        state.mode = 'default';
        state.basic = [newBasic()];
        state.advanced = [newAdvanced()];
      }
      renderBasic();
      renderAdvanced();
      syncJson();
      showMode();
      dirty = false;
    },
    isDirty() { return dirty; },
    mode() { return state.mode; },
  };
}
