// Downloads and file installs in progress, by install key: one at a time per key, and their
// progress for whichever screen is showing.

const jobs = new Map(); // key → {done, total, promise}
const listeners = new Set();

/** `listener(key, done, total)` on every step; `done` is null once the job has ended. */
export function onProgress(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function runningJob(key) {
  return jobs.get(key);
}

function report(key, done, total) {
  const current = jobs.get(key);
  if (current) Object.assign(current, { done, total });
  listeners.forEach((listener) => listener(key, done, total));
}

/** Run `work(progress)` as the job of `key`; while one runs, its promise is the answer. */
export function runJob(key, work) {
  if (jobs.has(key)) return jobs.get(key).promise;
  const entry = { done: 0, total: 0 };
  entry.promise = work((done, total) => report(key, done, total)).finally(() => {
    jobs.delete(key);
    listeners.forEach((listener) => listener(key, null, null));
  });
  jobs.set(key, entry);
  return entry.promise;
}
