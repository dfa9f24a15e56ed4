import { createRegistryClient } from '../../../src/registry/client.js';
import { applyImage } from '../../../jobs/promote-packages/images/apply.js';
import { planImage, type ImageTarget } from '../../../jobs/promote-packages/images/plan.js';

/**
 * One image promotion in a process of its own, so a test can kill it (SIGKILL) part-way: every
 * progress line goes to stdout as it happens.
 */

interface Input {
  staging: { url: string; username: string; password: string };
  public: { url: string; username: string; password: string };
  image: ImageTarget;
}

const input = JSON.parse(process.argv[2]!) as Input;
const endpoints = {
  staging: createRegistryClient(input.staging),
  public: createRegistryClient(input.public),
};
const plan = await planImage(endpoints, input.image);
const outcome = await applyImage(
  endpoints,
  plan,
  (_what, step) => step(),
  (message) => console.log(message),
);
console.log(`done: ${outcome.status}`);
