import { convergeSuite } from './converge-suite.js';

// One Sentry receiver per test file (the SDK is process-global): GitLab's world gets it.
convergeSuite('gitlab', true);
convergeSuite('github', false);
