// Typed errors. Each carries the core's classification (`kind`) and its fix text (`fix`).
//
// ConfigurationError  the settings cannot work, or the service said the request's form is wrong
// AuthenticationError 401: the key or token was refused     ForbiddenError 403: role, network rules
// ThrottledError      429/4429 (retryAfterMs)               TransientError drops it could not outlast
// BadRequestError     bad SSML, bad audio                   ProtocolError  the peer broke the protocol
// NotImplementedInCoreError                                 CredentialError no credential obtained
// AudioError          the input file is not usable audio
export class SpeechError extends Error {
  static kind = 'speech-error';
  constructor(message, fix = '', { httpStatus, closeCode, attempts = 0, tried = [], ...extra } = {}) {
    let text = `${new.target.kind}: ${message}`;
    if (fix) text += `\n  likely cause and fix: ${fix}`;
    if (tried.length) text += `\n  tried ${attempts} connection attempt(s):${tried.map((t) => `\n    ${t}`).join('')}`;
    super(text);
    Object.assign(this, { kind: new.target.kind, detail: message, fix, httpStatus, closeCode, attempts, tried, ...extra });
    this.name = new.target.name;
  }
}
export class ConfigurationError extends SpeechError {
  static kind = 'configuration';
  static fromConfigError(error) {
    return new ConfigurationError(error.message, error.fix, { code: error.code, variable: error.variable });
  }
}
export class AuthenticationError extends SpeechError { static kind = 'authentication'; }
export class ForbiddenError extends SpeechError { static kind = 'forbidden'; }
export class ThrottledError extends SpeechError { static kind = 'throttled'; }
export class TransientError extends SpeechError { static kind = 'transient'; }
export class BadRequestError extends SpeechError { static kind = 'bad-request'; }
export class ProtocolError extends SpeechError { static kind = 'protocol'; }
export class NotImplementedInCoreError extends SpeechError { static kind = 'not-implemented'; }
export class CredentialError extends SpeechError { static kind = 'credential'; }
export class AudioError extends SpeechError { static kind = 'audio'; }

const BY_KIND = Object.fromEntries(
  [ConfigurationError, AuthenticationError, ForbiddenError, ThrottledError, TransientError, BadRequestError, ProtocolError, NotImplementedInCoreError].map((c) => [c.kind, c]),
);

/** The error for a core `speech-error` ({tag, val}). */
export function speechError(error, attempts = 0, tried = []) {
  let detail = error.val;
  const extra = {};
  if (error.tag === 'throttled') {
    extra.retryAfterMs = detail.retryAfterMs === undefined ? undefined : Number(detail.retryAfterMs);
    detail = detail.detail;
  }
  return new BY_KIND[error.tag](detail.message, detail.hint, { httpStatus: detail.httpStatus, closeCode: detail.closeCode, attempts, tried, ...extra });
}

/** The error for a core `session-failure`. */
export function sessionFailed(failure) {
  return speechError(failure.error, failure.attempts, failure.tried);
}
