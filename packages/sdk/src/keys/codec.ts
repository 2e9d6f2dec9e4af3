/**
 * The few helpers of @safehold/crypto that other client files may use: encodings, zeroing, constant-time
 * comparison, random ids and the password generator. None of them takes a key to encrypt, decrypt, wrap,
 * derive or sign: those operations exist only in this folder (the lint rule `crypto-only-in-key-service`).
 */
export { constantTimeEqual, fromB64, fromUtf8, generatePassword, randomId, toB64, utf8, zero } from '@safehold/crypto';
