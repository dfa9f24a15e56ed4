import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/tmp.js';
import { storeContract } from './contract.js';

const tmp = tempDir();
let n = 0;
afterAll(() => tmp.cleanup());

storeContract('sqlite', async () => openSqliteStore(join(tmp.dir, `store-${n++}.db`)));
