// A 64-bit fingerprint of a run's attributes, computed by walking the parsed value. Serialising the run to
// hash it (JSON.stringify + SHA-1) cost more than writing the run's rows; the fingerprint only has to tell
// "same content" from "changed" for content the service sent, so a fast non-cryptographic mix suffices
// (a missed change needs a 2^-64 coincidence; nothing here is adversarial).

/** The prefix of fingerprints in this format; rows written before it hold a SHA-1 (base64, no prefix). */
export const CONTENT_HASH_PREFIX = 'f1:';

const floatView = new Float64Array(1);
const wordsView = new Uint32Array(floatView.buffer);

// Two 32-bit lanes mixed like cyrb53, tagged by value kind so that "1" and 1, [] and {} differ.
class Fingerprint {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  word(w: number): void {
    this.h1 = Math.imul(this.h1 ^ w, 2654435761);
    this.h2 = Math.imul(this.h2 ^ w, 1597334677);
  }

  text(s: string): void {
    this.word(0x53 ^ (s.length << 8));
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  value(v: unknown): void {
    if (v === null || v === undefined) return this.word(0x4e);
    switch (typeof v) {
      case 'string':
        return this.text(v);
      case 'number':
        floatView[0] = v;
        this.word(0x4e55);
        this.word(wordsView[0]!);
        return this.word(wordsView[1]!);
      case 'boolean':
        return this.word(v ? 0x54 : 0x46);
      case 'object':
        if (Array.isArray(v)) {
          this.word(0x41 ^ (v.length << 8));
          for (const item of v) this.value(item);
          return;
        }
        this.word(0x4f);
        for (const key in v) {
          this.text(key);
          this.value((v as Record<string, unknown>)[key]);
        }
        return this.word(0x7d);
      default:
        return this.text(String(v));
    }
  }

  digest(): string {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return CONTENT_HASH_PREFIX + (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/** Fingerprints a record's attributes, leaving out the given top-level keys (per-listing flags, pins). */
export function fingerprintAttributes(attributes: Record<string, unknown>, leaveOut: ReadonlySet<string>): string {
  const f = new Fingerprint();
  for (const key in attributes) {
    if (leaveOut.has(key)) continue;
    f.text(key);
    f.value(attributes[key]);
  }
  return f.digest();
}
