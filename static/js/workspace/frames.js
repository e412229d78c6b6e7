// Frames: caches of decoded images per kind (frame, face, flow, magnified), filled around the current frame.
// Frames and faces come in blocks of BLOCK (one request each) decoded to ImageBitmaps near the cursor, so a step
// draws at once, also right after a jump; the analysis views load one <img> per frame.
import { current } from "./coding.js";
import { AHEAD, BEHIND, CACHE_CAP, clip, endpoint, last, PARALLEL, state, urls } from "./core.js";
import { draw } from "./viewer.js";

const BLOCK = 16; // frames per block response (annotator.api.frames.BLOCK)
const BLOCK_PARALLEL = 3;
const DECODED = 48; // decoded bitmaps kept: the frames nearest the cursor, in the order prefetch wants them
const DECODING = 4;
const NEAR = 8; // frames each side fetched and decoded before the rest
const BLOB_BYTES = 256 * 1024 * 1024; // JPEGs kept undecoded, least recently wanted dropped first

// <img> rather than ImageBitmap: the browser keeps the JPEG and may drop the decoded pixels of frames
// off screen, so a long cache of full-HD frames does not hold gigabytes.
export class FrameCache {
  constructor(kind) {
    Object.assign(this, { kind, images: new Map(), loading: new Map(), errors: new Map(), failed: new Set(), wanted: [] });
  }

  get(id) {
    const image = this.images.get(id);
    if (image) { this.images.delete(id); this.images.set(id, image); } // most recently used goes last
    return image;
  }

  // ids come most urgent first; loads that fell out of the window are cancelled so they never block it.
  // Loads that failed without an answer (network) are tried again once the window moves.
  want(ids) {
    this.wanted = ids;
    this.failed.clear();
    const keep = new Set(ids);
    for (const [id, image] of this.loading) {
      if (keep.has(id)) continue;
      this.loading.delete(id);
      image.removeAttribute("src");
    }
    this.pump();
  }

  pump() {
    for (const id of this.wanted) {
      if (this.loading.size >= PARALLEL) return;
      if (!this.images.has(id) && !this.loading.has(id) && !this.errors.has(id) && !this.failed.has(id)) this.load(id);
    }
  }

  load(id) {
    const image = new Image();
    // ?g=: the clip's ingest generation; only such URLs are cached for good (a re-ingest changes it).
    const url = `${endpoint(this.kind, id)}?g=${clip.ingest_generation}`;
    this.loading.set(id, image);
    image.src = url;
    image.decode().then(() => {
      if (this.loading.get(id) !== image) return;
      this.images.set(id, image);
      while (this.images.size > CACHE_CAP) this.images.delete(this.images.keys().next().value);
      onFrameLoaded(this, id);
    }, () => this.loading.get(id) === image && this.explain(id, url)).finally(() => {
      if (this.loading.get(id) === image) this.loading.delete(id);
      this.pump();
    });
  }

  // An <img> does not say why it failed; the API does, in JSON.
  async explain(id, url) {
    const response = await fetch(url, { credentials: "same-origin" }).catch(() => null);
    if (response && !response.ok) this.errors.set(id, (await response.json().catch(() => ({}))).detail || `frame ${id}: HTTP ${response.status}`);
    else this.failed.add(id);
    onFrameLoaded(this, id);
  }
}


// Blocks of JPEGs kept as Blobs (small), the nearest DECODED of them as ImageBitmaps (large, closed when dropped).
export class BlockCache {
  constructor(kind) {
    Object.assign(this, { kind, blobs: new Map(), bytes: 0, bitmaps: new Map(), decoding: new Set(), blocks: new Map(),
      errors: new Map(), failed: new Set(), wanted: [] });
  }

  get(id) { return this.bitmaps.get(id); }

  want(ids) {
    this.wanted = ids;
    this.failed.clear();
    const near = new Set(ids.slice(0, DECODED));
    for (const [id, bitmap] of this.bitmaps) {
      if (near.has(id)) continue;
      bitmap.close();
      this.bitmaps.delete(id);
    }
    const blocks = new Set(ids.map((id) => Math.floor(id / BLOCK)));
    for (const [block, controller] of this.blocks) if (!blocks.has(block)) { controller.abort(); this.blocks.delete(block); }
    this.pump();
  }

  pump() {
    let decoding = this.decoding.size;
    for (const id of this.wanted.slice(0, DECODED)) {
      if (decoding >= DECODING) break;
      if (this.blobs.has(id) && !this.bitmaps.has(id) && !this.decoding.has(id)) { this.decode(id); decoding++; }
    }
    for (const id of this.wanted) {
      if (this.blocks.size >= BLOCK_PARALLEL) return;
      const block = Math.floor(id / BLOCK);
      if (!this.blobs.has(id) && !this.errors.has(id) && !this.failed.has(id) && !this.blocks.has(block)) this.load(block);
    }
  }

  async load(block) {
    const controller = new AbortController();
    this.blocks.set(block, controller);
    const url = `${endpoint(`${this.kind}Block`, block)}?g=${clip.ingest_generation}`;
    try {
      const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
      if (!response.ok) {
        const detail = (await response.json().catch(() => ({}))).detail || `frames from ${block * BLOCK}: HTTP ${response.status}`;
        for (let id = block * BLOCK; id < (block + 1) * BLOCK; id++) {
          this.errors.set(id, detail);
          onFrameLoaded(this, id);
        }
        return;
      }
      const body = await response.arrayBuffer();
      const first = Number(response.headers.get("X-First-Frame"));
      let offset = 0;
      response.headers.get("X-Frame-Lengths").split(",").map(Number).forEach((length, i) => {
        if (length) this.keep(first + i, new Blob([body.slice(offset, offset + length)], { type: "image/jpeg" }));
        else this.errors.set(first + i, `${this.kind} ${first + i}: file missing; re-ingest the clip.`);
        offset += length;
      });
    } catch (error) {
      if (error.name !== "AbortError") for (let id = block * BLOCK; id < (block + 1) * BLOCK; id++) this.failed.add(id);
    } finally {
      if (this.blocks.get(block) === controller) this.blocks.delete(block);
      this.pump();
    }
  }

  keep(id, blob) {
    this.blobs.set(id, blob);
    this.bytes += blob.size;
    const wanted = new Set(this.wanted);
    for (const [other, old] of this.blobs) {
      if (this.bytes <= BLOB_BYTES) break;
      if (wanted.has(other)) continue;
      this.blobs.delete(other);
      this.bytes -= old.size;
    }
  }

  async decode(id) {
    this.decoding.add(id);
    try {
      const bitmap = await createImageBitmap(this.blobs.get(id));
      if (this.wanted.slice(0, DECODED).includes(id)) {
        this.bitmaps.set(id, bitmap);
        onFrameLoaded(this, id);
      } else bitmap.close();
    } catch {
      this.errors.set(id, `${this.kind} ${id} could not be decoded`);
      onFrameLoaded(this, id);
    } finally {
      this.decoding.delete(id);
      this.pump();
    }
  }
}

const cacheFor = (kind) => (urls[`${kind}Block`] ? new BlockCache(kind) : new FrameCache(kind));
export const frames = cacheFor("frame");
export const faces = cacheFor("face");
export const flows = new FrameCache("flow");
export const magnified = new FrameCache("magnified");
export const CACHES = [frames, faces, flows, magnified];
// The flow colour lies over the picture it was measured on: the aligned face, or a box in the full frame.
export const flowBase = () => (state.analysis.region?.source === "face" ? faces : frames);
export const diffBase = () => current()?.local.onset ?? 0;
// [cache, frame] pairs the view draws, bottom first.
export function layers(frame = state.frame) {
  switch (state.view) {
    case "face": return [[faces, frame]];
    case "diff": return [[frames, frame], [frames, diffBase()]];
    case "flow": return [[flowBase(), frame], [flows, frame]];
    case "magnified": return [[magnified, frame]];
    default: return [[frames, frame]];
  }
}

export function prefetch() {
  const wanted = new Map(CACHES.map((cache) => [cache, []]));
  for (const [cache, id] of layers()) wanted.get(cache).push(id);
  // Nearest first either way (a step back after a jump is as likely as one ahead), then further ahead, then behind.
  const around = [];
  const add = (frame) => frame >= 0 && frame <= last && around.push(frame);
  for (let i = 1; i <= NEAR; i++) { add(state.frame + i); add(state.frame - i); }
  for (let i = NEAR + 1; i <= AHEAD; i++) add(state.frame + i);
  for (let i = NEAR + 1; i <= BEHIND; i++) add(state.frame - i);
  for (const frame of around) for (const [cache, id] of layers(frame)) if (id === frame) wanted.get(cache).push(id);
  for (const [cache, ids] of wanted) cache.want(ids);
}

export function onFrameLoaded(cache, id) {
  if (layers().some(([other, frame]) => other === cache && frame === id)) draw();
}
