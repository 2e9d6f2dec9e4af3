/**
 * The client key service: the only client code that imports @safehold/crypto (lint rule
 * `crypto-only-in-key-service`). Password unlock, the keyring and record key wraps, record part crypto,
 * the offline file key, the header-cache seal, the local seals of the home, device and signing keys.
 */
export { constantTimeEqual, fromB64, fromUtf8, generatePassword, randomId, toB64, utf8, zero } from './codec.js';
export { Keyring, holderString, openOwnRecordKey, type KeyringOptions, type RecordKeys, type StoredRecordKeys } from './keyring.js';
export { decryptHeader, decryptSecret, encryptPart, newRecordKey } from './recordcrypto.js';
export {
  derive,
  kdfFromWire,
  kdfToWire,
  newAccountKeys,
  openPrivateKey,
  openUserKey,
  unlockWithPassword,
  wrapUserKeyForPassword,
  type WrappedUserKey,
} from './password.js';
export { openSessionCopy, openToken, sealSessionCopy, sealToken } from './localseal.js';
export { newWrappedDeviceKey, pendingDeviceKey, signWithDeviceKey, type WrappedDeviceKey } from './devicekey.js';
export { fingerprint, signText, userSigningKey, verifySignature, verifyText } from './signing.js';
export { newRoleKeyPair, wrapRoleKeyFor } from './rolecrypto.js';
export { fileKeyAad, newFileKey, unwrapFileKey, wrapFileKey } from './filekey.js';
export { openHeaderCache, sealHeaderCache } from './headerseal.js';
export { sourceTagger } from './importtag.js';
export { foreignArgon2 } from './argon2.js';
export { decryptBitwardenExport, encryptBitwardenExport, isPasswordProtected } from './bwcrypto.js';
