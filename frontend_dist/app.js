// Event Planner web app: plain JavaScript, no build step. It calls only relative /api/...
// URLs, so the same files work behind the local gateway and behind CloudFront + the ALB.
"use strict";

const SESSION_KEY = "event-planner.session";
const TEST_CARD = "4242424242424242";
const views = ["signin", "signup", "events", "bookings"];
let session = loadSession();
let nextCursor = null;

// -- the API -----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) {
    super(describe(detail) || `request failed (${status})`);
    this.status = status;
  }
}

function describe(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }
  return typeof detail === "string" ? detail : "";
}

async function api(method, path, body, retried = false) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (session) headers.Authorization = `Bearer ${session.access_token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && session && !retried && (await refresh())) {
    return api(method, path, body, true);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data && data.detail);
  return data;
}

async function refresh() {
  const response = await fetch("/api/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: session.refresh_token }),
  });
  if (!response.ok) {
    saveSession(null);
    return false;
  }
  saveSession({ ...session, ...(await response.json()) });
  return true;
}

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

function saveSession(value) {
  session = value;
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
  renderChrome();
}

// -- small DOM helpers (text only: nothing from the API is ever parsed as HTML) ---------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function show(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind === "error" ? "error" : "";
  box.hidden = !text;
}

function money(cents, currency) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
}

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    show(error.message, "error");
  } finally {
    button.disabled = false;
  }
}

// -- navigation ------------------------------------------------------------------------

function route() {
  const name = location.pathname.replace(/^\/+|\/+$/g, "") || "events";
  return views.includes(name) ? name : "events";
}

function navigate(path) {
  history.pushState(null, "", path);
  render();
}

function renderChrome() {
  const role = session && session.user ? session.user.role : null;
  for (const node of document.querySelectorAll("[data-when]")) {
    const wanted = node.dataset.when;
    node.hidden = !(
      (wanted === "anonymous" && !session) ||
      (wanted === "signed-in" && session) ||
      wanted === role
    );
  }
  document.getElementById("whoami").textContent =
    session && session.user ? `${session.user.name} (${session.user.role})` : "";
}

async function render() {
  const name = route();
  for (const view of views) {
    document.getElementById(`view-${view}`).hidden = view !== name;
  }
  renderChrome();
  if (name === "events") await loadEvents(true);
  if (name === "bookings") await loadBookings();
}

// -- accounts --------------------------------------------------------------------------

async function signIn(email, password) {
  const tokens = await api("POST", "/api/auth/login", { email, password });
  session = tokens;
  const user = await api("GET", "/api/auth/me");
  saveSession({ ...tokens, user });
}

function onSignUp(event) {
  event.preventDefault();
  const form = event.target;
  submitting(form, async () => {
    const values = formValues(form);
    await api("POST", "/api/auth/register", values);
    await signIn(values.email, values.password);
    form.reset();
    show(`Welcome, ${values.name}.`);
    navigate("/events");
  });
}

function onSignIn(event) {
  event.preventDefault();
  const form = event.target;
  submitting(form, async () => {
    const values = formValues(form);
    await signIn(values.email, values.password);
    form.reset();
    show(`Signed in as ${session.user.email}.`);
    navigate("/events");
  });
}

async function onSignOut() {
  if (session) {
    await fetch("/api/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    }).catch(() => null);
  }
  saveSession(null);
  show("Signed out.");
  navigate("/signin");
}

// -- events ----------------------------------------------------------------------------

async function loadEvents(fresh) {
  const list = document.getElementById("events-list");
  const query = fresh || !nextCursor ? "" : `&cursor=${encodeURIComponent(nextCursor)}`;
  try {
    const page = await api("GET", `/api/events/?limit=20${query}`);
    if (fresh) list.replaceChildren();
    if (fresh && page.items.length === 0) list.append(el("li", {}, "No events yet."));
    list.append(...page.items.map(eventCard));
    nextCursor = page.next_cursor;
    document.getElementById("more-events").hidden = !nextCursor;
  } catch (error) {
    show(error.message, "error");
  }
}

function eventCard(item) {
  const card = el(
    "li",
    { className: "event-card", "data-event-id": item.id },
    el("h2", {}, item.title),
    el("p", { className: "meta" }, `${when(item.starts_at)} – ${when(item.ends_at)} · ${item.venue}`),
    el(
      "p",
      { className: "meta" },
      `${money(item.price_cents, item.currency)} · ${item.seats_available} of ${item.capacity} seats left`,
    ),
    item.description ? el("p", {}, item.description) : null,
  );
  if (session && session.user && session.user.role === "attendee" && item.seats_available > 0) {
    card.append(bookingForm(item));
  }
  return card;
}

function bookingForm(item) {
  const form = el(
    "form",
    { className: "book" },
    el("label", {}, "Seats", el("input", { name: "seats", type: "number", min: "1", max: "10", value: "1", required: "" })),
    el("label", {}, "Card number", el("input", { name: "card_number", inputmode: "numeric", autocomplete: "cc-number", value: TEST_CARD, required: "" })),
    el("button", { type: "submit" }, "Book"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const values = formValues(form);
      const booking = await api("POST", "/api/bookings/", {
        event_id: item.id,
        seats: Number(values.seats),
        card_number: values.card_number.replace(/\s+/g, ""),
      });
      show(`Booked ${booking.seats} seat(s) for ${item.title}: ${booking.status}.`);
      await loadEvents(true);
    });
  });
  return form;
}

function onCreateEvent(event) {
  event.preventDefault();
  const form = event.target;
  submitting(form, async () => {
    const values = formValues(form);
    const created = await api("POST", "/api/events/", {
      title: values.title,
      description: values.description,
      venue: values.venue,
      starts_at: new Date(values.starts_at).toISOString(),
      ends_at: new Date(values.ends_at).toISOString(),
      capacity: Number(values.capacity),
      price_cents: Math.round(Number(values.price) * 100),
      currency: values.currency.toUpperCase(),
    });
    form.reset();
    show(`Published ${created.title}.`);
    await loadEvents(true);
  });
}

// -- bookings --------------------------------------------------------------------------

async function loadBookings() {
  const list = document.getElementById("bookings-list");
  if (!session) {
    navigate("/signin");
    return;
  }
  try {
    const data = await api("GET", "/api/bookings/");
    const bookings = Array.isArray(data) ? data : data.items || [];
    list.replaceChildren();
    if (bookings.length === 0) list.append(el("li", {}, "No bookings yet."));
    for (const booking of bookings) list.append(await bookingItem(booking));
  } catch (error) {
    show(error.message, "error");
  }
}

async function bookingItem(booking) {
  let title = booking.event_id;
  try {
    title = (await api("GET", `/api/events/${encodeURIComponent(booking.event_id)}`)).title;
  } catch {
    // the event may be gone: show its id
  }
  return el(
    "li",
    { className: "booking", "data-booking-id": booking.id },
    el("h2", {}, title),
    el(
      "p",
      { className: "meta" },
      `${booking.seats} seat(s) · ${money(booking.amount_cents, booking.currency)} · `,
      el("span", { className: `status-${booking.status}` }, booking.status),
      ` · ${when(booking.created_at)}`,
    ),
  );
}

// -- start -----------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (link && link.origin === location.origin) {
    event.preventDefault();
    show("");
    navigate(link.pathname);
  }
});
window.addEventListener("popstate", render);
document.getElementById("signin-form").addEventListener("submit", onSignIn);
document.getElementById("signup-form").addEventListener("submit", onSignUp);
document.getElementById("event-form").addEventListener("submit", onCreateEvent);
document.getElementById("signout").addEventListener("click", onSignOut);
document.getElementById("more-events").addEventListener("click", () => loadEvents(false));
render();
