// The app's one error type, shaped like the server's JSON errors (satchel/web/errors.py):
// {status, code, message}. Failures found on the device have a code of their own and no status;
// the screens say what a code means through the one message table (messages.js).

export class AppError extends Error {
  /** `details`: what a message about it may name (e.g. the versions of a refused file). */
  constructor(code, { status = null, message = code, ...details } = {}) {
    super(message);
    Object.assign(this, details, { status, code });
  }
}
