// Document numbers for on-the-spot decisions, offline: while online the phone keeps at least one
// block of 当场行政处罚决定书 numbers reserved for it and the logged-in officer by the server
// (POST /api/devices/<device>/number-blocks), and asks for the next one when few numbers are left.
// Numbers are taken in order by db.js `issueDecision`; a used block is given back (its unused
// numbers, if any, are voided on the server: none is skipped silently).
const BLOCK_SIZE = 20;
const LOW_WATER = 5; // fewer numbers left than this: fetch the next block

export function remaining(blocks, username, year) {
  return blocks.filter((b) => b.username === username && b.year === year && !b.closed_at)
    .reduce((n, b) => n + (b.last_serial - b.first_serial + 1) - b.used.length, 0);
}

/** Numbers left on this phone for `username` this year (local year). */
export async function numbersLeft(store, username, year = new Date().getFullYear()) {
  return remaining(await store.listBlocks(), username, year);
}

/** Online: hold the server's view of my blocks, give back used-up ones, reserve a new one when low. */
export async function ensureNumberBlocks({ api, store, deviceId, username }) {
  const path = `/api/devices/${encodeURIComponent(deviceId)}/number-blocks`;
  const year = new Date().getFullYear();
  const server = await api.get(path);
  await store.mergeBlocks(server.map((b) => ({ ...b, username })));
  const open = new Set(server.map((b) => b.uuid));
  for (const block of await store.listBlocks()) {
    if (block.username !== username) continue;
    const full = block.used.length >= block.last_serial - block.first_serial + 1;
    const pending = (await store.listDecisions()).some((d) => d.state !== "sent" && d.decision.number.block === block.uuid);
    if (!open.has(block.uuid) && !pending) {
      await store.deleteBlock(block.uuid); // closed on the server (returned, or the year ended)
    } else if (full && !pending && open.has(block.uuid)) {
      await api.post(`${path}/${block.uuid}/return`, {});
      await store.deleteBlock(block.uuid);
    }
  }
  if (remaining(await store.listBlocks(), username, year) < LOW_WATER) {
    const block = await api.post(path, { size: BLOCK_SIZE });
    await store.mergeBlocks([{ ...block, username }]);
  }
  return numbersLeft(store, username, year);
}
