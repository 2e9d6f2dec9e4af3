/**
 * Test helper preloaded into the real `safehold` binary (NODE_OPTIONS=--import) by the offline e2e
 * tests: shifts Date.now by SAFEHOLD_E2E_CLOCK_OFFSET_MS, like faketime, without any hook in the
 * product code. Not shipped with the client.
 */
const offset = Number(process.env.SAFEHOLD_E2E_CLOCK_OFFSET_MS ?? '0');
if (Number.isFinite(offset) && offset !== 0) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offset;
}
export {};
