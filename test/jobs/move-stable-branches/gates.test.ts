import { gatesSuite } from './gates-suite.js';

// One Sentry receiver per test file (the SDK is process-global): GitLab's world gets it.
gatesSuite('gitlab', true);
gatesSuite('github', false);
