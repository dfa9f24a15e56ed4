import { packitSuite } from './packit-suite.js';

/** One forge per file: each file's Sentry receiver belongs to its own worlds (the SDK is process-global). */
packitSuite('gitlab');
