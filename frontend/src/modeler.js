// The process modeler: bpmn-js on the page's #canvas, our side panel as server-rendered forms in
// #panel. The server owns the process: it turns our JSON into BPMN XML for the canvas, merges the
// canvas's XML back into the draft on Save, renders and validates the panel's forms.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './modeler.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import restrict from './restrict.js';
import { Server } from './server.js';

const EXPRESSION_LANGUAGE = 'urn:ticketflow:expression';
// What "Add Process" starts from: just a start event.
const EMPTY = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_new" targetNamespace="urn:ticketflow:bpmn:1">
  <bpmn:process id="new-process" isExecutable="true"><bpmn:startEvent id="StartEvent"/></bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_new"><bpmndi:BPMNPlane id="Plane_new" bpmnElement="new-process">
    <bpmndi:BPMNShape id="StartEvent_di" bpmnElement="StartEvent"><dc:Bounds x="100" y="182" width="36" height="36"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;

const AUTOSAVE_DELAY_MS = 1500;
const CONDITION_CHECK_DELAY_MS = 400;

const root = document.getElementById('modeler');
const config = { ...root.dataset };
const status = document.getElementById('modeler-status');
const problems = document.getElementById('modeler-problems');
const panel = document.getElementById('panel');
const server = new Server(config);
const modeler = new BpmnModeler({
  container: '#canvas',
  keyboard: { bind: true }, // shortcuts (undo/redo, delete, copy/paste …) while the canvas has the focus
  additionalModules: [restrict],
});
// dirty: the canvas has changes the server does not have; applying: the canvas shows a change the
// server made (panel Apply), which must not count as an edit.
const state = { dirty: false, marked: [], timer: null, applying: false, saving: null };

function say(text, kind = 'info') {
  status.textContent = text;
  status.dataset.kind = kind;
}

function showProblems(list, heading) {
  problems.replaceChildren();
  for (const id of state.marked) modeler.get('canvas').removeMarker(id, 'tf-problem');
  state.marked = [];
  if (!list.length) return;
  const title = document.createElement('p');
  title.textContent = heading;
  const items = document.createElement('ul');
  const registry = modeler.get('elementRegistry');
  for (const problem of list) {
    const item = document.createElement('li');
    items.append(item);
    // Problems name their element as "activity:<id>", "transition:<id>", "dialog:<id>/…",
    // "action:<id>/…" or "element:<id>"; the list says the name the diagram shows.
    const id = problem.element.split(':').slice(1).join(':').split('/')[0];
    const named = id && registry.get(id) ? registry.get(id).businessObject.name : '';
    item.textContent = named ? `${named} (${problem.element}): ${problem.message}` : `${problem.element}: ${problem.message}`;
    if (id && registry.get(id)) {
      modeler.get('canvas').addMarker(id, 'tf-problem');
      state.marked.push(id);
      item.dataset.element = id;
      // The problem leads to its element: selected on the canvas, its form in the panel.
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'tf-problem-link';
      show.textContent = 'Show';
      show.addEventListener('click', () => {
        const element = modeler.get('elementRegistry').get(id);
        if (element) modeler.get('selection').select(element);
      });
      item.append(' ', show);
    }
  }
  problems.append(title, items);
}

// After an element was changed, what deploy said about it may no longer hold: its marks go.
function forgetProblems(id) {
  if (!state.marked.includes(id)) return;
  modeler.get('canvas').removeMarker(id, 'tf-problem');
  state.marked = state.marked.filter((marked) => marked !== id);
  for (const item of problems.querySelectorAll('li[data-element]')) {
    if (item.dataset.element === id) item.remove();
  }
  if (!problems.querySelector('li')) problems.replaceChildren();
}

function conflict(message) {
  clearTimeout(state.timer);
  say(message, 'error');
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = 'Reload the saved draft';
  reload.id = 'modeler-reload';
  reload.addEventListener('click', () => load().catch((error) => say(error.message, 'error')));
  status.append(' ', reload);
  state.conflict = true;
}

async function load() {
  performance.mark('tf-load');
  const xml = config.key ? await server.loadDiagram() : EMPTY;
  performance.mark('tf-diagram'); // marks for bench/modeler_open.py's breakdown
  await modeler.importXML(xml);
  performance.mark('tf-imported');
  modeler.get('commandStack').clear(); // undo must not reach back into the import
  modeler.get('canvas').zoom('fit-viewport', 'auto');
  state.dirty = false;
  state.conflict = false;
  showProblems([], '');
  panel.innerHTML = '<p class="hint">Select an element to edit its properties.</p>';
  delete panel.dataset.element;
  say(config.key ? 'All changes saved' : 'New process: enter its key and name, then draw it');
  // When the canvas became usable, in ms since navigation started (bench/modeler_open.py reads it).
  window.ticketflowModeler.readyAt = performance.now();
  document.body.dataset.ready = '1';
}

function newProcessFields() {
  return {
    key: document.getElementById('new-key').value.trim(),
    name: document.getElementById('new-name').value.trim(),
  };
}

// Saves the canvas unless a save is running: then that one is waited for and this one follows.
function save(options = {}) {
  clearTimeout(state.timer);
  const run = (state.saving || Promise.resolve()).then(() => saveNow(options));
  state.saving = run.finally(() => { if (state.saving === run) state.saving = null; });
  return run;
}

async function saveNow({ keepalive = false } = {}) {
  if (state.conflict) return false;
  const extra = config.key ? {} : newProcessFields();
  say('Saving…');
  const { xml } = await modeler.saveXML();
  const wasDirty = state.dirty;
  state.dirty = false; // changes made while this save runs mark it dirty again
  const { status: code, data } = await server.save(xml, extra, { keepalive });
  if (code === 409) {
    state.dirty = state.dirty || wasDirty;
    conflict(data.message);
    return false;
  }
  if (code !== 200) {
    state.dirty = state.dirty || wasDirty;
    say(data.message || 'Not saved', 'error');
    showProblems(data.problems || [], 'Not saved:');
    return false;
  }
  if (!config.key) adopt(data);
  say(state.dirty ? 'Unsaved changes' : 'All changes saved', 'ok');
  showProblems(data.warnings || [], 'Saved, with warnings:');
  if (state.dirty) schedule();
  return true;
}

function adopt(data) {
  config.key = data.key;
  server.adopt(data.url, data.revision);
  window.history.replaceState(null, '', data.url);
  for (const id of ['new-key', 'new-name']) document.getElementById(id).disabled = true;
  const heading = document.querySelector('main h1');
  if (heading) heading.textContent = `Modeler: ${document.getElementById('new-name').value.trim()}`;
}

// Autosave: shortly after the last change, so that nothing is lost on reload.
function schedule() {
  clearTimeout(state.timer);
  if (state.conflict) return; // the status keeps saying so, with its reload button
  if (!config.key) {
    const { key, name } = newProcessFields();
    if (!key || !name) {
      say('Unsaved: enter the key and name of the new process to save it', 'error');
      return;
    }
  }
  say('Unsaved changes');
  state.timer = setTimeout(() => save().catch((e) => say(e.message, 'error')), AUTOSAVE_DELAY_MS);
}

async function saveAndDeploy({ force = false } = {}) {
  if (!(await save())) return;
  say('Deploying…');
  const { status: code, data } = await server.deploy({ force });
  if (code !== 200) {
    const list = data.problems || [];
    say(`${data.message || 'Not deployed'}${list.length ? ' (listed below the diagram)' : ''}`, 'error');
    showProblems(list, 'Not deployed: fix these first');
    // Failing test scenarios alone may be overruled (the version's note says so); broken models not.
    if (list.length && list.every((problem) => problem.element.startsWith('scenario:'))) offerForce();
    return;
  }
  showProblems([], '');
  say(data.unchanged ? `Nothing new to deploy (version ${data.version})` : `Deployed as version ${data.version}`, 'ok');
}

function offerForce() {
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'modeler-deploy-anyway';
  button.textContent = 'Deploy anyway';
  button.addEventListener('click', () => saveAndDeploy({ force: true }).catch((e) => say(e.message, 'error')));
  problems.append(button);
}

async function openPanel(element) {
  // The panel edits the stored draft, so the canvas's own changes are saved first.
  if ((state.dirty || !config.key) && !(await save())) {
    if (!config.key) panel.innerHTML = '<p class="hint">Enter the key and name of the new process to edit properties.</p>';
    return;
  }
  panel.innerHTML = await server.panel(element.id);
  panel.dataset.element = element.id;
}

function apply(change) {
  const element = modeler.get('elementRegistry').get(change.id);
  if (!element) return;
  const properties = { name: change.name || undefined };
  if ('condition' in change) {
    properties.conditionExpression = change.condition
      ? modeler.get('bpmnFactory').create('bpmn:FormalExpression', { body: change.condition, language: EXPRESSION_LANGUAGE })
      : undefined;
  }
  const wasDirty = state.dirty;
  state.applying = true;
  try {
    modeler.get('modeling').updateProperties(element, properties);
  } finally {
    state.applying = false;
  }
  state.dirty = wasDirty; // the server has this change already
}

panel.addEventListener('submit', async (event) => {
  event.preventDefault();
  say('Saving…');
  const { status: code, html, change } = await server.postPanel(event.target, event.submitter);
  if (code === 409) {
    conflict('Someone saved this process meanwhile.');
    return;
  }
  panel.innerHTML = html;
  if (change) {
    apply(change);
    forgetProblems(change.id);
    say(state.dirty ? 'Unsaved changes' : 'All changes saved', 'ok');
  } else if (code === 422) {
    say('Not saved: see the panel', 'error');
  } else {
    say(state.dirty ? 'Unsaved changes' : 'All changes saved');
  }
});

// A choice that decides what else the form offers (script, web service, action) redraws the form.
panel.addEventListener('change', (event) => {
  const select = event.target.closest('select[data-refresh]');
  const refresh = select && select.parentElement.querySelector('button[value="refresh"]');
  if (refresh) refresh.form.requestSubmit(refresh);
});

// The condition is checked on the server while it is typed.
panel.addEventListener('input', (event) => {
  if (event.target.id !== 'panel-condition') return;
  clearTimeout(state.conditionTimer);
  state.conditionTimer = setTimeout(() => checkCondition(event.target), CONDITION_CHECK_DELAY_MS);
});

async function checkCondition(input) {
  const html = await server.checkCondition(input.dataset.checkUrl, input.value);
  const target = document.getElementById('panel-condition-check');
  if (target && document.getElementById('panel-condition') === input) {
    target.innerHTML = html;
    input.setAttribute('aria-invalid', target.querySelector('.field-error') ? 'true' : 'false');
  }
}

panel.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-insert]');
  if (!button) return;
  const input = document.getElementById('panel-condition');
  const at = input.selectionStart ?? input.value.length;
  input.setRangeText(button.dataset.insert, at, input.selectionEnd ?? at, 'end');
  input.focus();
  input.dispatchEvent(new Event('input', { bubbles: true }));
});

modeler.on('commandStack.changed', () => {
  if (state.applying) return;
  state.dirty = true;
  schedule();
});
// The panel follows the canvas: a name typed on the canvas shows in its form, a removed element
// takes its form away (an Apply would otherwise save what the canvas no longer shows).
modeler.on('element.changed', ({ element }) => {
  if (state.applying || panel.dataset.element !== element.id) return;
  const name = document.getElementById('panel-name');
  if (!modeler.get('elementRegistry').get(element.id)) {
    panel.innerHTML = '<p class="hint">Select an element to edit its properties.</p>';
    delete panel.dataset.element;
  } else if (name && name.value !== (element.businessObject.name || '')) {
    name.value = element.businessObject.name || '';
  }
});
modeler.on('selection.changed', ({ newSelection }) => {
  const element = newSelection.length === 1 ? newSelection[0] : null;
  if (!element || element.type === 'label') return;
  openPanel(element).catch((error) => say(error.message, 'error'));
});
document.getElementById('modeler-save').addEventListener('click', () => save().catch((e) => say(e.message, 'error')));
document.getElementById('modeler-deploy').addEventListener('click', () => saveAndDeploy({ force: false }).catch((e) => say(e.message, 'error')));
// Leaving the page: what is not saved yet goes now (keepalive outlives the page).
// Only changes that cannot be saved (a conflict, a new process without key) make the browser ask.
window.addEventListener('beforeunload', (event) => {
  if (!state.dirty) return;
  if (config.key && !state.conflict) save({ keepalive: true }).catch(() => undefined);
  else event.preventDefault();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && state.dirty && config.key) save({ keepalive: true }).catch(() => undefined);
});

// For the browser tests (and the curious): the modeler and its actions.
window.ticketflowModeler = { modeler, save, saveAndDeploy, server, state };
load().catch((error) => say(error.message, 'error'));
