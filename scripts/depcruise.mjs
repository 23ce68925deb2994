// Runs dependency-cruiser's rules (.dependency-cruiser.cjs) over src/ through its API: its command
// line refuses Node 20, which lakegit supports (package.json "engines"); the API runs there.
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const cruised = await cruise(['src'], { ...options, validate: true }, undefined, { tsConfig: extractTSConfig('tsconfig.json') });
const report = await format(cruised.output, { outputType: 'err' });
process.stdout.write(report.output);
process.exitCode = report.exitCode;
