// The agent's only clock. Everything else gets `now` passed in.
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
