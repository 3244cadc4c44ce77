import { describeEventStoreContract } from './contract';
import { MemoryEventStore } from './memory';

describeEventStoreContract('memory', async () => ({ store: new MemoryEventStore() }), {
  appendsAtomically: true,
  readsHeads: true,
});
