// One Ed25519 check for every signature the device verifies (publisher manifests in trust.js,
// TUF metadata in tuf.js): WebCrypto's, or where it lacks Ed25519 the vendored noble-ed25519
// (static/vendor/README.md), loaded only then.

/** Does `signature` (bytes) verify as `publicKey`'s (32 raw bytes) over `bytes`? Malformed: no. */
export async function verifyEd25519(publicKey, signature, bytes) {
  try {
    const imported = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", imported, signature, bytes);
  } catch (error) {
    if (error.name !== "NotSupportedError") return false;
  }
  // Loaded only here; offline and never loaded before, this fails (it is not a "no").
  const { verifyAsync } = await import("../vendor/noble-ed25519.js");
  return verifyAsync(signature, bytes, publicKey).catch(() => false);
}

/** The bytes of base64url `text` (the publisher's keys and signatures are so written). */
export const fromBase64url = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
