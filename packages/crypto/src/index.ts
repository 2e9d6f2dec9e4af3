export { CryptoError, type CryptoErrorCode } from './errors.js';
export { randomBytes, randomKey, randomId, toB64, fromB64, sha256, constantTimeEqual, zero, utf8, fromUtf8, concat } from './util.js';
export { hkdfSha256 } from './hkdf.js';
export {
  type KdfParams,
  type MasterKeys,
  MIN_KDF_MEMORY_KIB,
  MIN_KDF_ITERATIONS,
  MIN_KDF_SALT_BYTES,
  MAX_KDF_MEMORY_KIB,
  MAX_KDF_ITERATIONS,
  MAX_KDF_PARALLELISM,
  newKdfParams,
  validateKdfParams,
  deriveMasterKeys,
} from './kdf.js';
export { hashAuthKey, verifyAuthKey } from './authhash.js';
export { ENVELOPE_AEAD_V1, ENVELOPE_HPKE_V1, encrypt, decrypt, envelopeVersion, envelopeKeyId } from './aead.js';
export { type X25519KeyPair, generateX25519KeyPair, x25519PublicFromPrivate, wrapForRecipient, unwrapForRecipient, prepareRecipient, type X25519Recipient, WRAP_INFO } from './wrap.js';
export { type Ed25519KeyPair, generateSigningKeyPair, signingPublicFromPrivate, sign, verify } from './sign.js';
export { type CharSet, CHARSETS, generatePassword } from './password.js';
export { type Argon2RawParams, argon2Raw } from './argon2raw.js';
