// "Mon espace", for signed-in people: "Mes offres" (status, moderation reasons, history,
// edit, cancel) and, for moderators, the moderation queue (what changed since the approved
// version, history; approve, or reject with a reason).
// Text only (el / textContent); every write carries the session's CSRF token (api.js).

import { currentAccount } from "./account.js";
import { request } from "./api.js";
import { CATEGORY_LABELS, el, formatDateTime, plural } from "./format.js";
import { changesSinceApproval } from "./moderation_diff.js";
import { openOfferEditor } from "./offer_edit.js";

const STATUS_LABELS = {
  draft: "Brouillon",
  pending: "En attente de relecture",
  published: "Publiée",
  rejected: "Refusée",
  cancelled: "Annulée",
};

function number(offerId) {
  return String(offerId).replace(/^user:/, "");
}

function historyList(history) {
  return el(
    "ol",
    { class: "history" },
    (history || []).map((event) =>
      el(
        "li",
        {},
        `${formatDateTime(event.at)} : ${STATUS_LABELS[event.from_status] || "création"} → ` +
          `${STATUS_LABELS[event.to_status] || event.to_status}` +
          `${event.actor ? ` (par ${event.actor})` : ""}` +
          `${event.reason ? ` (motif : ${event.reason})` : ""}`,
      ),
    ),
  );
}

export function createWorkspaceView(ctx) {
  const tab = document.getElementById("tab-workspace");
  const mine = document.getElementById("my-offers");
  const mineSummary = document.getElementById("my-offers-summary");
  const modSection = document.getElementById("moderation-section");
  const queue = document.getElementById("moderation-queue");
  const queueSummary = document.getElementById("moderation-summary");
  let account = null;
  let editor = null;

  function setAccount(value) {
    account = value;
    tab.hidden = !account;
    modSection.hidden = !(account && account.role === "moderator");
  }
  setAccount(currentAccount);
  document.addEventListener("account-changed", (event) => setAccount(event.detail));

  async function loadMine() {
    if (editor) editor.close();
    mine.replaceChildren();
    const data = await request("/api/v1/accounts/me/offers", { params: { limit: 100 } });
    mineSummary.textContent = data.features.length
      ? `${plural(data.features.length, "offre proposée", "offres proposées")}, la plus récente d'abord.`
      : "Vous n'avez encore proposé aucune offre.";
    for (const feature of data.features) {
      const p = feature.properties;
      const history = p.history || [];
      const last = [...history].reverse().find((e) => e.reason);
      const item = el(
        "li",
        { class: `my-offer status-${p.status}`, "data-offer-id": p.offer_id },
        el("strong", {}, p.title),
        el("span", { class: "offer-status" }, ` — ${STATUS_LABELS[p.status] || p.status}`),
        p.status === "rejected" && last ? el("p", { class: "reason" }, `Motif du refus : ${last.reason}`) : null,
        el("details", {}, el("summary", {}, "Historique"), historyList(history)),
      );
      if (p.status !== "cancelled") {
        const edit = el("button", { type: "button" }, `Modifier « ${p.title} »`);
        edit.addEventListener("click", () => {
          if (editor) editor.close();
          edit.disabled = true;
          editor = openOfferEditor({
            ctx,
            feature,
            container: item,
            role: account && account.role,
            onClose() {
              edit.disabled = false;
              editor = null;
            },
            async onSaved(saved) {
              editor = null;
              const status = STATUS_LABELS[saved.status] || saved.status;
              ctx.showStatus(`« ${saved.title} » est modifiée ; statut : ${status}.`);
              try {
                await loadMine();
              } catch (e) {
                ctx.showError("Votre espace n'a pas pu être chargé", e);
              }
            },
          });
        });
        item.append(edit);
      }
      if (p.status !== "cancelled") {
        const cancel = el("button", { type: "button" }, `Annuler « ${p.title} »`);
        cancel.addEventListener("click", async () => {
          cancel.disabled = true;
          try {
            await request(`/api/v1/offers/user:${number(p.offer_id)}`, { method: "DELETE" });
            ctx.showStatus(`« ${p.title} » est annulée.`);
            await loadMine();
          } catch (e) {
            cancel.disabled = false;
            ctx.showError("L'annulation a échoué", e);
          }
        });
        item.append(cancel);
      }
      mine.append(item);
    }
  }

  function queueItem(p) {
    const id = number(p.offer_id);
    const reasonId = `reject-reason-${id}`;
    const reason = el("input", { id: reasonId, name: "reason", maxlength: 500 });
    const approve = el("button", { type: "button", class: "primary" }, "Approuver");
    const reject = el("button", { type: "button" }, "Refuser");
    const commune = ctx.communeByCode.get(p.commune_code);
    const item = el(
      "li",
      { class: "queue-item", "data-offer-id": p.offer_id },
      el("strong", {}, p.title),
      el(
        "p",
        { class: "hint" },
        [CATEGORY_LABELS[p.kind] || p.kind, commune ? commune.properties.name : null, p.organiser]
          .filter(Boolean)
          .join(" · "),
      ),
      p.description ? el("p", {}, p.description) : null,
      changesSinceApproval(p, ctx),
      el("details", {}, el("summary", {}, "Historique"), historyList(p.history)),
      el("div", { class: "field" }, el("label", { for: reasonId }, "Motif du refus"), reason),
      el("div", { class: "actions" }, approve, reject),
    );
    async function decide(decision) {
      if (decision === "reject" && !reason.value.trim()) {
        ctx.showError("Refus impossible", new Error("indiquez le motif du refus"));
        reason.focus();
        return;
      }
      approve.disabled = reject.disabled = true;
      const body = decision === "reject" ? { decision, reason: reason.value.trim() } : { decision };
      try {
        await request(`/api/v1/offers/user:${id}/moderation`, { body });
        ctx.showStatus(`« ${p.title} » : ${decision === "approve" ? "publiée" : "refusée"}.`);
        await loadQueue();
      } catch (e) {
        approve.disabled = reject.disabled = false;
        ctx.showError("La décision n'a pas été enregistrée", e);
      }
    }
    approve.addEventListener("click", () => decide("approve"));
    reject.addEventListener("click", () => decide("reject"));
    return item;
  }

  async function loadQueue() {
    queue.replaceChildren();
    const data = await request("/api/v1/moderation/queue", { params: { limit: 100 } });
    queueSummary.textContent = data.total
      ? `${plural(data.total, "offre attend", "offres attendent")} une relecture, la plus ancienne d'abord.`
      : "Aucune offre n'attend de relecture.";
    for (const feature of data.features) queue.append(queueItem(feature.properties));
  }

  return {
    async show() {
      ctx.clearError();
      try {
        await loadMine();
        if (account && account.role === "moderator") await loadQueue();
      } catch (e) {
        ctx.showError("Votre espace n'a pas pu être chargé", e);
      }
    },
    hide() {},
    onMapClick(latlng) {
      if (editor) editor.setPoint(latlng.lng, latlng.lat);
    },
  };
}
