export * from './history';
export * from './check';
export { conservation } from './conservation';
export { RulesModel, rulesHold } from './rules';
export { damageSums } from './damage-sums';
export { replayEquivalence, duplicateDelivery } from './replay-checks';
export { Replays, comparedProjections, type Compared } from './replays';
export { sameData } from './same';
