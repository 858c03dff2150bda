// Calls to the geoservice HTTP API. Errors come back as RFC 9457 problem documents:
// they are turned into ApiError, whose message is the problem's `detail`.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem || {};
  }

  /** Invalid parameters named by the API: [{name, reason}, …]. */
  get invalidParams() {
    return Array.isArray(this.problem.invalid_params) ? this.problem.invalid_params : [];
  }
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return null;
}

// The CSRF token of the signed-in session (account.js sets it): sent with every write, which
// the API requires when the session cookie authenticates the request.
let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** GET or POST JSON; resolves to the parsed body, rejects with ApiError. */
export async function request(path, { params, body, method, signal } = {}) {
  let url = path;
  if (params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
    }
    const text = query.toString();
    if (text) url += (url.includes("?") ? "&" : "?") + text;
  }
  const init = { method: method || (body === undefined ? "GET" : "POST"), signal };
  init.headers = { Accept: "application/json, application/geo+json, application/problem+json" };
  if (csrfToken && init.method !== "GET") init.headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, { detail: "le service ne répond pas (connexion impossible)" });
  }
  const data = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  health: () => request("/health"),
  openapi: () => request("/api/v1/openapi.json"),
  communes: () => request("/api/v1/communes"),
  isochrones: (params, signal) => request("/api/v1/isochrones", { params, signal }),
  transitIsochrones: (params, signal) => request("/api/v1/transit/isochrones", { params, signal }),
  reachable: (params, signal) => request("/api/v1/reachable", { params, signal }),
  offers: (params, signal) => request("/api/v1/offers", { params, signal }),
  offer: (id) => request(`/api/v1/offers/${encodeURIComponent(id)}`),
  proposeOffer: (body) => request("/api/v1/offers", { body }),
  accessibilityMap: (params, signal) =>
    request("/api/v1/maps/accessibility.geojson", { params, signal }),
  accessibility: (params, signal) => request("/api/v1/accessibility", { params, signal }),
  underserved: (params, signal) => request("/api/v1/underserved", { params, signal }),
  scenario: (body) => request("/api/v1/scenarios", { body }),
  signUp: (body) => request("/api/v1/accounts", { body }),
  signIn: (body) => request("/api/v1/sessions", { body }),
  signOut: () => request("/api/v1/sessions/current", { method: "DELETE" }),
  me: () => request("/api/v1/accounts/me"),
  requestPasswordReset: (body) => request("/api/v1/password-resets", { body }),
  confirmPasswordReset: (body) => request("/api/v1/password-resets/confirm", { body }),
  projects: (params, signal) => request("/api/v1/projects", { params, signal }),
  project: (id) => request(`/api/v1/projects/${Number(id)}`),
  createProject: (body) => request("/api/v1/projects", { body }),
  projectMatches: (id, params) => request(`/api/v1/projects/${Number(id)}/matches`, { params }),
  rideMatches: (params) => request("/api/v1/rides/matches", { params }),
  offerRide: (body) => request("/api/v1/rides", { body }),
  bookRide: (id, body) => request(`/api/v1/rides/${Number(id)}/bookings`, { body }),
};
