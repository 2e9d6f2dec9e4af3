export type CryptoErrorCode = 'decrypt_failed' | 'unsupported_version' | 'weak_kdf' | 'bad_input';

/**
 * The one error type of this package. Messages are fixed, generic strings: they never carry
 * key material, plaintext, or a hint about *why* authentication failed (no oracle).
 * Callers map it to SafeholdError (e.g. decrypt_failed -> 'integrity').
 */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message?: string) {
    super(message ?? defaultMessage(code));
    this.name = 'CryptoError';
    this.code = code;
  }
}

function defaultMessage(code: CryptoErrorCode): string {
  switch (code) {
    case 'decrypt_failed':
      return 'decryption failed: wrong key, wrong associated data, or corrupted ciphertext';
    case 'unsupported_version':
      return 'unsupported envelope version';
    case 'weak_kdf':
      return 'key derivation parameters are below the minimum';
    case 'bad_input':
      return 'invalid input';
  }
}
