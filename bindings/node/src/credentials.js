// Credentials, filled in at the I/O boundary: the core's auth plan says what a request needs;
// this module fetches it (keys from the environment, Entra tokens from the caller's credential,
// STS tokens from issueToken) and turns it into one header. Keys and tokens never enter the core.
import { post } from './transport.js';
import { CredentialError } from './errors.js';

const KEY_VARIABLES = { primary: 'SPEECH_KEY', secondary: 'SPEECH_KEY_SECONDARY' };
// Refresh Entra tokens this long before they expire (as the Rust host does).
const REFRESH_AHEAD_MS = 5 * 60 * 1000;

/** A token from any `getToken(scope)` object (@azure/identity's TokenCredential) or a function returning one. */
export async function fetchEntraToken(credential, scope) {
  try {
    if (typeof credential?.getToken === 'function') {
      const token = await credential.getToken(scope);
      if (!token?.token) throw new Error('getToken returned no token');
      return { value: token.token, refreshAt: token.refreshAfterTimestamp ?? token.expiresOnTimestamp - REFRESH_AHEAD_MS };
    }
    if (typeof credential === 'function') return { value: String(await credential()), refreshAt: Date.now() + 10 * 60 * 1000 - REFRESH_AHEAD_MS };
  } catch (error) {
    throw new CredentialError(`getting a Microsoft Entra token for ${scope} failed: ${error?.name ?? 'Error'}: ${error?.message ?? error}`, 'check the credential passed to azspeech (managed identity assigned, az login, service principal secret)');
  }
  throw new CredentialError('the credential has no getToken(scope)', 'pass an @azure/identity credential (e.g. new DefaultAzureCredential()) or a function returning a token');
}

export class Credentials {
  constructor(env, entra, transport) {
    this.keys = Object.fromEntries(Object.entries(KEY_VARIABLES).map(([slot, name]) => [slot, (env[name] ?? '').trim()]));
    Object.assign(this, { entra, transport, tokens: new Map(), secondaryPreferred: false });
  }

  key(slot) {
    if (this.keys[slot]) return this.keys[slot];
    const variable = KEY_VARIABLES[slot];
    throw new CredentialError(`${variable} is not set: the configuration uses key authentication`, `set ${variable}, or use Entra ID (SPEECH_AUTH=entra and a credential)`);
  }

  /** [header name, value] for the core's auth plan ({tag, val}); `fresh` drops the cached token. */
  async header(auth, fresh) {
    if (auth.tag === 'subscription-key') return ['Ocp-Apim-Subscription-Key', this.key(auth.val)];
    const plan = auth.val;
    const cacheKey = auth.tag === 'bearer' ? plan.scope : plan.tokenUrl;
    if (fresh) this.tokens.delete(cacheKey);
    let token = this.tokens.get(cacheKey);
    if (!token || (await token).refreshAt <= Date.now()) {
      token = auth.tag === 'bearer' ? this.entraToken(plan.scope) : this.stsToken(plan);
      this.tokens.set(cacheKey, token); // a promise: concurrent sessions share one fetch
      token.catch(() => this.tokens.delete(cacheKey));
    }
    const { value } = await token;
    if (auth.tag === 'bearer' && plan.format.tag === 'aad-prefixed') return ['Authorization', `Bearer aad#${plan.format.val}#${value}`];
    return ['Authorization', `Bearer ${value}`];
  }

  async entraToken(scope) {
    this.requireEntra();
    return fetchEntraToken(this.entra, scope);
  }

  /** Throws, saying which credential to pass, unless an Entra credential was given. */
  requireEntra() {
    if (!this.entra) {
      throw new CredentialError('the configuration uses Microsoft Entra ID, but no credential was given', 'pass { credential } to fromEnv (e.g. new ManagedIdentityCredential() or new DefaultAzureCredential() from @azure/identity), or set SPEECH_KEY for key authentication');
    }
  }

  async stsToken(plan) {
    let response;
    try {
      response = await post(this.transport, plan.tokenUrl, { 'Ocp-Apim-Subscription-Key': this.key(plan.key), 'Content-Type': 'application/x-www-form-urlencoded' });
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      throw new CredentialError(`exchanging the key for a token at ${plan.tokenUrl} failed: ${error.message}`);
    }
    if (response.status !== 200 || !response.body.trim()) {
      throw new CredentialError(`exchanging the key for a token at ${plan.tokenUrl} failed: HTTP ${response.status}: ${response.body.slice(0, 200)}`, '', { httpStatus: response.status });
    }
    return { value: response.body.trim(), refreshAt: Date.now() + Number(plan.maxAgeMs) };
  }
}
