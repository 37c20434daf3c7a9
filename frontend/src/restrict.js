// Palette and context pad reduced to what our engine runs: start and end events, user, script and
// service tasks, call activities (our sub-processes) and connections. Anything else drawn here would
// only come back as an import warning, so it is not offered. (Panning is a drag on empty canvas,
// the lasso is Shift + drag: neither needs a palette entry.)

const KEEP_PALETTE = ['create.start-event', 'create.end-event', 'global-connect-tool'];
const KEEP_PAD = ['delete', 'connect', 'append.end-event'];

const KINDS = [
  ['user-task', 'bpmn:UserTask', 'bpmn-icon-user-task', 'User task'],
  ['script-task', 'bpmn:ScriptTask', 'bpmn-icon-script-task', 'Script task'],
  ['service-task', 'bpmn:ServiceTask', 'bpmn-icon-service-task', 'Service task'],
  ['call-activity', 'bpmn:CallActivity', 'bpmn-icon-call-activity', 'Sub-process (call activity)'],
];

function pick(entries, keys) {
  const out = {};
  for (const key of keys) if (entries[key]) out[key] = entries[key];
  return out;
}

function TicketflowPalette(palette, create, elementFactory) {
  // The updater form (a function of the default entries) must be defined before registering.
  this.getPaletteEntries = () => (entries) => {
    const kept = pick(entries, KEEP_PALETTE);
    const out = { 'create.start-event': kept['create.start-event'], 'create.end-event': kept['create.end-event'] };
    for (const [id, type, className, title] of KINDS) {
      const start = (event) => create.start(event, elementFactory.createShape({ type }));
      out[`create.${id}`] = { group: 'activity', className, title, action: { dragstart: start, click: start } };
    }
    if (kept['global-connect-tool']) out['global-connect-tool'] = { ...kept['global-connect-tool'], group: 'connect' };
    return out;
  };
  palette.registerProvider(500, this);
}
TicketflowPalette.$inject = ['palette', 'create', 'elementFactory'];

function TicketflowContextPad(contextPad, autoPlace, elementFactory) {
  this.getContextPadEntries = (element) => (entries) => {
    const out = pick(entries, KEEP_PAD);
    const type = element.type;
    if (type === 'bpmn:EndEvent' || type === 'bpmn:SequenceFlow') return out;
    for (const [id, kind, className, title] of KINDS) {
      const append = (event, source) => autoPlace.append(source, elementFactory.createShape({ type: kind }));
      out[`append.${id}`] = { group: 'model', className, title: `Append ${title.toLowerCase()}`, action: { click: append } };
    }
    return out;
  };
  contextPad.registerProvider(500, this);
}
TicketflowContextPad.$inject = ['contextPad', 'autoPlace', 'elementFactory'];

export default {
  __init__: ['ticketflowPalette', 'ticketflowContextPad'],
  ticketflowPalette: ['type', TicketflowPalette],
  ticketflowContextPad: ['type', TicketflowContextPad],
};
