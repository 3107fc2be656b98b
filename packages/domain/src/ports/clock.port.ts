export interface Clock {
  now(): Date;
}

export const Clock = Symbol('Clock');

export const systemClock: Clock = {
  now: () => new Date(Math.floor(Date.now() / 1000) * 1000),
};
