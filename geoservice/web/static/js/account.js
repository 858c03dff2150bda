// "Se connecter" and "Créer un compte": account forms in a dialog ("Mon espace" is
// workspace.js). The session lives in an HttpOnly cookie the page cannot read; the page
// keeps the session's CSRF token in memory (api.js sends it with every write) and remembers in
// localStorage only *that* someone signed in, so that it asks /accounts/me on the next visit.

import { api, ApiError, setCsrfToken } from "./api.js";
import { PARAM_SENTENCES, describeError } from "./problems_fr.js";

const SIGNED_IN_KEY = "geoservice.signedIn";
const RESET_PARAM = "reinitialisation";
const FIELD_LABELS = {
  email: "Adresse électronique",
  password: "Mot de passe",
  display_name: "Nom affiché",
  token: "Code",
};
const REQUIRED = {
  email: "Indiquez votre adresse électronique.",
  password: "Indiquez un mot de passe.",
  display_name: "Indiquez le nom à afficher.",
  token: "Indiquez le code reçu par courriel.",
};

/** A French sentence for an account API error. */
function describe(error) {
  if (!(error instanceof ApiError)) return String((error && error.message) || error);
  // The API's detail is English: the page says the error from its codes.
  const named = error.invalidParams.find((p) => p.name in FIELD_LABELS);
  // The account rules (password length…) are explained in French by the API itself; schema
  // failures ("invalid parameter(s): …", English) are said from their code.
  if (named && !error.message.startsWith("invalid parameter") && /[àâçéèêëîïôûù]/.test(named.reason)) {
    return `${FIELD_LABELS[named.name]} : ${named.reason}`;
  }
  if (named) {
    return `${FIELD_LABELS[named.name]} : ${PARAM_SENTENCES[named.code] || PARAM_SENTENCES.invalid}.`;
  }
  // The accounts API words its own refusals in French (wrong password, account gone…).
  if (!named && /[àâçéèêëîïôûù]/.test(error.message) && !error.message.startsWith("invalid")) {
    return error.message;
  }
  const sentence = describeError(error);
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

function remember(signedIn) {
  try {
    if (signedIn) window.localStorage.setItem(SIGNED_IN_KEY, "1");
    else window.localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    /* storage disabled: the page forgets the session on reload */
  }
}

function remembered() {
  try {
    return window.localStorage.getItem(SIGNED_IN_KEY) === "1";
  } catch {
    return false;
  }
}

/** The signed-in account (null when signed out), for the other views. */
export let currentAccount = null;

export function createAccountArea() {
  const dialog = document.getElementById("account-dialog");
  const title = document.getElementById("account-dialog-title");
  const errorBox = document.getElementById("account-error");
  const messageBox = document.getElementById("account-message");
  const nameBox = document.getElementById("account-name");
  const buttons = {
    signIn: document.getElementById("open-sign-in"),
    signUp: document.getElementById("open-sign-up"),
    signOut: document.getElementById("sign-out"),
  };
  const forms = [...dialog.querySelectorAll("form")];

  function setError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function show(formId, message) {
    for (const form of forms) form.hidden = form.id !== formId;
    const form = document.getElementById(formId);
    title.textContent = form.dataset.title;
    setError("");
    messageBox.textContent = message || "";
    if (!dialog.open) dialog.showModal();
    const first = [...form.querySelectorAll("input")].find((i) => !i.value) || form.querySelector("input");
    if (first) first.focus();
  }

  function setAccount(account, csrfToken) {
    setCsrfToken(account ? csrfToken : null);
    remember(Boolean(account));
    nameBox.textContent = account ? `Connecté : ${account.display_name}` : "";
    nameBox.hidden = !account;
    buttons.signIn.hidden = Boolean(account);
    buttons.signUp.hidden = Boolean(account);
    buttons.signOut.hidden = !account;
    currentAccount = account || null;
    // "Mon espace" (workspace.js) shows or hides itself.
    document.dispatchEvent(new CustomEvent("account-changed", { detail: account || null }));
  }

  /** The form's values, or null after showing which required one is missing. */
  function values(form) {
    const data = Object.fromEntries(new FormData(form).entries());
    for (const input of form.querySelectorAll("input[required]")) {
      const value = String(data[input.name] || "").trim();
      input.setAttribute("aria-invalid", String(!value));
      if (!value) {
        setError(REQUIRED[input.name] || "Champ obligatoire.");
        input.focus();
        return null;
      }
    }
    return data;
  }

  async function submit(form, action) {
    const data = values(form);
    if (!data) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    setError("");
    try {
      await action(data);
    } catch (e) {
      setError(describe(e));
    } finally {
      button.disabled = false;
    }
  }

  async function signIn(email, password) {
    const session = await api.signIn({ email, password });
    setAccount(session.account, session.csrf_token);
    dialog.close();
  }

  document.getElementById("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(event.target, (d) => signIn(d.email.trim(), d.password));
  });
  document.getElementById("sign-up-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(event.target, async (d) => {
      const email = d.email.trim();
      await api.signUp({ email, password: d.password, display_name: d.display_name.trim() });
      event.target.reset();
      await signIn(email, d.password);
    });
  });
  document.getElementById("reset-request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(event.target, async (d) => {
      const answer = await api.requestPasswordReset({ email: d.email.trim() });
      const note = answer.email_configured
        ? " Saisissez ci-dessous le code qu'il contient."
        : " Attention : ce service n'est pas configuré pour envoyer des courriels ; contactez son équipe.";
      show("reset-confirm-form", answer.detail + note);
    });
  });
  document.getElementById("reset-confirm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(event.target, async (d) => {
      await api.confirmPasswordReset({ token: d.token.trim(), password: d.password });
      event.target.reset();
      setAccount(null);
      show("sign-in-form", "Mot de passe changé : connectez-vous avec le nouveau.");
    });
  });
  for (const link of dialog.querySelectorAll("[data-show]")) {
    link.addEventListener("click", () => show(link.dataset.show));
  }
  buttons.signIn.addEventListener("click", () => show("sign-in-form"));
  buttons.signUp.addEventListener("click", () => show("sign-up-form"));
  document.getElementById("account-close").addEventListener("click", () => dialog.close());
  buttons.signOut.addEventListener("click", async () => {
    try {
      await api.signOut();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) {
        show("sign-in-form");
        setError(`Déconnexion impossible : ${describe(e)}`);
        return;
      }
    }
    setAccount(null);
  });

  // A reset link from the e-mail: open the form with the code filled in, and take the code
  // out of the address bar (and of the history).
  const params = new URLSearchParams(window.location.search);
  const resetToken = params.get(RESET_PARAM);
  if (resetToken) {
    params.delete(RESET_PARAM);
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
    document.getElementById("reset-token").value = resetToken;
    show("reset-confirm-form");
  } else if (remembered()) {
    api
      .me()
      .then((account) => setAccount(account, account.csrf_token))
      .catch(() => setAccount(null));
  }
}
