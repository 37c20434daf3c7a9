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

const root = document.getElementById('modeler');
const config = { ...root.dataset };
const status = document.getElementById('modeler-status');
const problems = document.getElementById('modeler-problems');
const panel = document.getElementById('panel');
const server = new Server(config);
const modeler = new BpmnModeler({ container: '#canvas', additionalModules: [restrict] });
const state = { dirty: false, marked: [] };

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
    item.textContent = `${problem.element}: ${problem.message}`;
    items.append(item);
    // Problems name their element as "activity:<id>", "transition:<id>" or "element:<id>".
    const id = problem.element.split(':').slice(1).join(':');
    if (id && registry.get(id)) {
      modeler.get('canvas').addMarker(id, 'tf-problem');
      state.marked.push(id);
      item.dataset.element = id;
    }
  }
  problems.append(title, items);
}

function conflict(message) {
  say(message, 'error');
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = 'Reload the saved draft';
  reload.id = 'modeler-reload';
  reload.addEventListener('click', () => load().catch((error) => say(error.message, 'error')));
  status.append(' ', reload);
}

async function load() {
  const xml = config.key ? await server.loadDiagram() : EMPTY;
  await modeler.importXML(xml);
  modeler.get('commandStack').clear(); // undo must not reach back into the import
  modeler.get('canvas').zoom('fit-viewport', 'auto');
  state.dirty = false;
  panel.innerHTML = '<p class="hint">Select an element to edit its properties.</p>';
  say(config.key ? `Draft revision ${server.revision}` : 'New process: draw it, then save');
  document.body.dataset.ready = '1';
}

async function save() {
  const { xml } = await modeler.saveXML();
  const extra = {};
  if (!config.key) {
    extra.key = document.getElementById('new-key').value.trim();
    extra.name = document.getElementById('new-name').value.trim();
  }
  const { status: code, data } = await server.save(xml, extra);
  if (code === 409) {
    conflict(data.message);
    return false;
  }
  if (code !== 200) {
    say(data.message || 'Not saved', 'error');
    showProblems(data.problems || [], 'Not saved:');
    return false;
  }
  state.dirty = false;
  if (!config.key) {
    // From now on this page edits the saved process: its own URLs, as if opened from the list.
    window.location.assign(data.url);
    return true;
  }
  say(`Saved: draft revision ${data.revision}`, 'ok');
  showProblems(data.warnings || [], 'Saved, with warnings:');
  return true;
}

async function saveAndDeploy() {
  if (!(await save())) return;
  const { status: code, data } = await server.deploy();
  if (code !== 200) {
    say(data.message || 'Not deployed', 'error');
    showProblems(data.problems || [], 'Not deployed: fix these first');
    return;
  }
  showProblems([], '');
  say(data.unchanged ? `Nothing new to deploy (version ${data.version})` : `Deployed as version ${data.version}`, 'ok');
}

async function openPanel(element) {
  if (!config.key) {
    panel.innerHTML = '<p class="hint">Save the new process first to edit properties.</p>';
    return;
  }
  // The panel edits the stored draft, so the canvas's own changes are saved first.
  if (state.dirty && !(await save())) return;
  panel.innerHTML = await server.panel(element.id);
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
  modeler.get('modeling').updateProperties(element, properties);
  state.dirty = wasDirty; // the server has this change already
}

panel.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { status: code, html, change } = await server.postPanel(event.target);
  panel.innerHTML = html;
  if (change) {
    apply(change);
    say(`Saved: draft revision ${server.revision}`, 'ok');
  } else if (code === 409) {
    conflict('Someone saved this process meanwhile.');
  }
});

modeler.on('commandStack.changed', () => { state.dirty = true; });
modeler.on('selection.changed', ({ newSelection }) => {
  const element = newSelection.length === 1 ? newSelection[0] : null;
  if (!element || element.type === 'label') return;
  openPanel(element).catch((error) => say(error.message, 'error'));
});
document.getElementById('modeler-save').addEventListener('click', () => save().catch((e) => say(e.message, 'error')));
document.getElementById('modeler-deploy').addEventListener('click', () => saveAndDeploy().catch((e) => say(e.message, 'error')));
window.addEventListener('beforeunload', (event) => { if (state.dirty) event.preventDefault(); });

// For the browser tests (and the curious): the modeler and its actions.
window.ticketflowModeler = { modeler, save, saveAndDeploy, server, state };
load().catch((error) => say(error.message, 'error'));
