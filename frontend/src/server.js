// The modeler's talk with the server: every write goes through one queue, so a panel post never races
// a save and each carries the draft revision the previous one returned.

export class Server {
  constructor(config) {
    this.config = config;
    this.revision = config.revision;
    this.queue = Promise.resolve();
  }

  form(fields) {
    const body = new FormData();
    body.set(this.config.csrfField, this.config.csrfToken);
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return body;
  }

  // Runs `work` after every earlier write has finished (failed or not).
  serial(work) {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async loadDiagram() {
    const response = await fetch(this.config.diagramUrl, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`the diagram did not load (${response.status})`);
    const data = await response.json();
    this.revision = String(data.revision);
    return data.xml;
  }

  // `keepalive` lets the request outlive the page (a save started while leaving it).
  save(xml, extra = {}, { keepalive = false } = {}) {
    return this.serial(async () => {
      const response = await fetch(this.config.saveUrl, {
        method: 'POST', body: this.form({ xml, revision: this.revision, ...extra }), keepalive,
      });
      const data = await response.json();
      if (response.ok) this.revision = String(data.revision);
      return { status: response.status, data };
    });
  }

  deploy({ force = false } = {}) {
    return this.serial(async () => {
      const fields = force ? { force: '1' } : {};
      const response = await fetch(this.config.deployUrl, { method: 'POST', body: this.form(fields) });
      return { status: response.status, data: await response.json() };
    });
  }

  async panel(elementId) {
    const response = await fetch(`${this.config.panelUrl}/${encodeURIComponent(elementId)}`);
    return response.text();
  }

  // A new process, once saved, is edited at its own URLs (as if opened from the list).
  adopt(url, revision) {
    Object.assign(this.config, {
      saveUrl: `${url}/save`, deployUrl: `${url}/deploy`, panelUrl: `${url}/panel`, diagramUrl: `${url}/diagram`,
      conditionUrl: `${url}/condition`,
    });
    this.revision = String(revision);
  }

  async checkCondition(url, text) {
    const response = await fetch(`${url}?${new URLSearchParams({ text })}`);
    return response.text();
  }

  postPanel(form, submitter) {
    return this.serial(async () => {
      const body = new FormData(form, submitter || undefined);
      body.set('revision', this.revision);
      const response = await fetch(form.action, { method: 'POST', body });
      const applied = response.headers.get('X-Modeler-Apply');
      const change = applied ? JSON.parse(applied) : null;
      if (change) this.revision = String(change.revision);
      return { status: response.status, html: await response.text(), change };
    });
  }
}
