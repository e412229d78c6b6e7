// Frames: an LRU of decoded images per kind (frame, face, flow, magnified), filled around the current frame.
import { current } from "./coding.js";
import { AHEAD, BEHIND, CACHE_CAP, clip, endpoint, last, PARALLEL, state } from "./core.js";
import { draw } from "./viewer.js";

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

export const frames = new FrameCache("frame");
export const faces = new FrameCache("face");
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
  const around = [];
  for (let i = 1; i <= AHEAD && state.frame + i <= last; i++) around.push(state.frame + i);
  for (let i = 1; i <= BEHIND && state.frame - i >= 0; i++) around.push(state.frame - i);
  for (const frame of around) for (const [cache, id] of layers(frame)) if (id === frame) wanted.get(cache).push(id);
  for (const [cache, ids] of wanted) cache.want(ids);
}

export function onFrameLoaded(cache, id) {
  if (layers().some(([other, frame]) => other === cache && frame === id)) draw();
}
