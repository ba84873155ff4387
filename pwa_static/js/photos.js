// Photos taken on the phone: checked against free space, resized to at most 1600 px as
// JPEG, hashed with SHA-256 (their name on the server), stored as Blobs in IndexedDB and
// read back before the form counts them as saved.

import * as db from './db.js';

export const MAX_EDGE = 1600;
const JPEG_QUALITY = 0.82;
// Keep this much room free after a photo, so drafts and the outbox can always be written.
const RESERVE_BYTES = 20 * 1024 * 1024;

export class StorageLow extends Error {
  constructor(freeBytes) {
    super('storage low');
    this.freeBytes = freeBytes;
  }
}

/** Free bytes by navigator.storage.estimate(), or null when the browser cannot say. */
export async function freeBytes() {
  if (!navigator.storage?.estimate) return null;
  const { quota = 0, usage = 0 } = await navigator.storage.estimate();
  return quota - usage;
}

let lastFree = null;

/** Refresh the free-space estimate that spaceIsLow() answers from (call it early). */
export async function refreshFreeSpace() {
  lastFree = await freeBytes();
  return lastFree;
}

/**
 * Synchronous answer for the moment the user taps the camera button (the camera must
 * open from the tap itself, so there is no time to await an estimate there).
 */
export function spaceIsLow(expectedBytes = 2 * 1024 * 1024) {
  return lastFree !== null && lastFree < expectedBytes + RESERVE_BYTES;
}

export function lastFreeBytes() {
  return lastFree;
}

/** Raises StorageLow when the phone cannot safely keep another photo. */
export async function checkSpace(expectedBytes = 2 * 1024 * 1024) {
  const free = await refreshFreeSpace();
  if (free !== null && free < expectedBytes + RESERVE_BYTES) throw new StorageLow(free);
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function decode(file) {
  if (globalThis.createImageBitmap) {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      // Older browsers reject the options bag or the format: fall back to <img>.
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The image as a JPEG Blob whose longer edge is at most MAX_EDGE pixels. */
export async function resizeToJpeg(file, maxEdge = MAX_EDGE) {
  const image = await decode(file);
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  image.close?.();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  canvas.width = canvas.height = 0; // free the pixels at once on small phones
  if (!blob) throw new Error('could not encode JPEG');
  return blob;
}

/**
 * Resize, hash, store and read back one photo for record `recordId`; returns its SHA-256.
 * Raises StorageLow, or Error when the photo could not be stored.
 */
export async function storePhoto(file, recordId) {
  await checkSpace(file.size);
  const blob = await resizeToJpeg(file);
  const sha256 = await sha256Hex(blob);
  await db.putPhoto({
    sha256,
    blob,
    content_type: 'image/jpeg',
    record_id: recordId,
    uploaded: false,
    taken_at: new Date().toISOString(),
  });
  const back = await db.getPhoto(sha256);
  if (!back?.blob || back.blob.size !== blob.size) throw new Error('photo did not read back');
  return sha256;
}

export async function photoBlob(sha256) {
  return (await db.getPhoto(sha256))?.blob || null;
}

export async function removePhoto(sha256) {
  await db.deletePhoto(sha256);
}
