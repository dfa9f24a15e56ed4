import { forgeContract } from './contract.js';

// The same promises of the Forge interface, held by each adapter (see contract.ts).
forgeContract('gitlab');
forgeContract('github');
