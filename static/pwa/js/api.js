// Talking to the FieldCase API: JSON over fetch, the CSRF token on every write, and errors as
// ApiError carrying the server's stable `code` (the app branches on codes, never on text).

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "request.invalid";
    this.detail = problem.detail || "请求失败，请稍后重试。";
    this.errors = problem.errors || {};
  }

  /** True when the request never got an answer (offline, server unreachable, timed out). */
  get offline() {
    return this.code === "network.unreachable";
  }

  /** Worth retrying later with the same content (the server did not judge the content). */
  get retryable() {
    return this.offline || this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

function unreachable() {
  return new ApiError(0, { code: "network.unreachable", detail: "网络不可用，数据已保存在本机，联网后自动同步。" });
}

/**
 * An API client holding the session's CSRF token. `onAuthRequired` is called whenever the server
 * says the login is gone (auth.required), so the app can ask for it again without losing anything.
 */
export function createApi({ onAuthRequired = () => {}, timeoutMs = 30000 } = {}) {
  const session = { csrf: null };

  async function request(method, path, { json, headers = {}, signal } = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    }
    if (WRITE_METHODS.has(method) && session.csrf) init.headers["X-CSRF-Token"] = session.csrf;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    if (signal) signal.addEventListener("abort", () => timeout.abort());
    init.signal = timeout.signal;
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw unreachable();
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 204 || response.status === 304) return { status: response.status, body: null, response };
    const type = response.headers.get("Content-Type") || "";
    let body = null;
    if (type.includes("json")) {
      try {
        body = await response.json();
      } catch {
        throw unreachable(); // the connection dropped mid-answer
      }
    }
    if (!response.ok) {
      const error = new ApiError(response.status, body || { code: response.status >= 500 ? "server.error" : "request.invalid" });
      if (error.code === "auth.required") onAuthRequired(error);
      throw error;
    }
    return { status: response.status, body, response };
  }

  return {
    get csrfToken() {
      return session.csrf;
    },
    setCsrf(token) {
      session.csrf = token || null;
    },
    async get(path, options) {
      return (await request("GET", path, options)).body;
    },
    /** GET with If-None-Match: returns {status, body, etag}; status 304 means "what you hold is current". */
    async getRevalidated(path, etag) {
      const { status, body, response } = await request("GET", path, { headers: etag ? { "If-None-Match": etag } : {} });
      return { status, body, etag: response.headers.get("ETag") };
    },
    async post(path, json) {
      return (await request("POST", path, { json })).body;
    },
    async del(path) {
      return (await request("DELETE", path)).body;
    },
    async login(username, password) {
      const body = (await request("POST", "/api/session", { json: { username, password } })).body;
      session.csrf = body.csrf_token;
      return body.user;
    },
    /** Who is logged in (also renews the CSRF token after a reload). Throws auth.required if nobody. */
    async me() {
      const user = await this.get("/api/me");
      session.csrf = user.csrf_token;
      return user;
    },
    async logout() {
      try {
        await request("DELETE", "/api/session");
      } finally {
        session.csrf = null;
      }
    },
  };
}
