// After `vite build`: ship bpmn-js's licence next to the bundle (its watermark clause travels with the
// code) and make the output folder ignore itself, so no build output is ever committed.
import { copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../../src/ticketflow/web/static/modeler/', import.meta.url));
const license = fileURLToPath(new URL('../node_modules/bpmn-js/LICENSE', import.meta.url));
copyFileSync(license, `${out}bpmn-js-LICENSE.txt`);
writeFileSync(`${out}.gitignore`, '# Built by `npm run build --prefix frontend`; never committed.\n*\n');
