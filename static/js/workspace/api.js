// The versioned JSON API: CSRF, JSON in and out, DRF errors as one line.
import { $ } from "./core.js";

export function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : $('meta[name="csrf-token"]').content;
}

export async function api(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin", body: body && JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  const data = response.status === 204 ? null : await response.json().catch(() => ({ detail: response.statusText }));
  return { status: response.status, data };
}

// Flattens DRF errors ({field: [msg]}, nested for AUs) into one readable line.
export function describe(errors) {
  if (typeof errors === "string") return errors;
  if (Array.isArray(errors)) return errors.map(describe).filter(Boolean).join(" ");
  return Object.entries(errors || {}).map(([field, value]) => (field === "detail" ? describe(value) : `${field}: ${describe(value)}`)).join("; ");
}
