// Projets: the public projects (list and map), a project's needs and the posted skills,
// resources and venues that match them by travel time, and a form to create one.
// Text nodes only (el()): nothing from the API is ever parsed as HTML.

import { api, ApiError } from "./api.js";
import { CATEGORY_LABELS, el, formatDuration } from "./format.js";
import { findCommune } from "./geo.js";

const NEED_LABELS = {
  skill: "Savoir-faire",
  resource: "Matériel",
  venue: "Lieu",
  volunteers: "Bénévoles",
  transport: "Transport",
};

function frenchError(error) {
  if (error instanceof ApiError && error.status === 401) {
    return new Error("connectez-vous (« Se connecter ») pour créer un projet");
  }
  return error;
}

export function createProjectsView(ctx) {
  const { L, map } = ctx;
  const list = document.getElementById("projects-list");
  const details = document.getElementById("project-details");
  const search = document.getElementById("projects-search");
  const form = document.getElementById("project-form");
  const result = document.getElementById("project-result");
  const layer = L.layerGroup();

  function communeName(code) {
    const commune = ctx.communeByCode.get(code);
    return commune ? commune.properties.name : code || "";
  }

  async function showMatches(project, box) {
    box.replaceChildren(el("p", { class: "hint" }, "Recherche des correspondances…"));
    try {
      const answer = await api.projectMatches(project.id, { mode: "drive", max_minutes: 60 });
      box.replaceChildren();
      for (const need of answer.needs) {
        box.append(el("h5", {}, `${NEED_LABELS[need.need.kind] || need.need.kind} : ${need.need.text}`));
        if (!need.matches.length) {
          box.append(el("p", { class: "hint" }, "Aucune proposition à moins d'une heure en voiture."));
          continue;
        }
        box.append(
          el(
            "ol",
            { class: "matches" },
            need.matches.map((m) =>
              el(
                "li",
                {},
                `${m.name} (${CATEGORY_LABELS[m.category] || m.category}, ${communeName(m.commune_code)}) — ${formatDuration(m.travel_time_s)} en voiture`,
              ),
            ),
          ),
        );
      }
    } catch (e) {
      box.replaceChildren();
      ctx.showError("Correspondances", e);
    }
  }

  function showProject(feature) {
    const p = feature.properties;
    const needs = el(
      "ul",
      { class: "needs" },
      p.needs.map((n) =>
        el(
          "li",
          {},
          `${NEED_LABELS[n.kind] || n.kind} : ${n.text}`,
          n.quantity ? ` (${n.quantity})` : "",
          n.fulfilled ? " — pourvu" : "",
        ),
      ),
    );
    const matchesBox = el("div", { id: "project-matches" });
    const button = el("button", { type: "button", id: "project-show-matches" }, "Qui peut répondre, au plus près ?");
    button.addEventListener("click", () => showMatches(feature, matchesBox));
    details.replaceChildren(
      el("h3", {}, p.title),
      el("p", {}, `${communeName(p.commune_code)}${p.starts_on ? ` — à partir du ${p.starts_on}` : ""}`),
      p.description ? el("p", {}, p.description) : "",
      el("h4", {}, "Besoins"),
      needs,
      p.members.length ? el("p", {}, `Membres : ${p.members.join(", ")}`) : "",
      button,
      matchesBox,
    );
    details.hidden = false;
    const [lon, lat] = feature.geometry.coordinates;
    map.panTo([lat, lon]);
  }

  async function load() {
    try {
      const q = document.getElementById("projects-q").value.trim();
      const answer = await api.projects(q ? { q } : {});
      list.replaceChildren();
      layer.clearLayers();
      for (const feature of answer.features) {
        const [lon, lat] = feature.geometry.coordinates;
        const open = () => showProject(feature);
        list.append(
          el(
            "li",
            {},
            el(
              "button",
              { type: "button", class: "result", onclick: open },
              `${feature.properties.title} — ${communeName(feature.properties.commune_code)} — ${feature.properties.needs.length} besoin(s)`,
            ),
          ),
        );
        L.circleMarker([lat, lon], { pane: "overlay", radius: 7, color: "#7a3e9d" })
          .bindTooltip(feature.properties.title)
          .on("click", open)
          .addTo(layer);
      }
      if (!answer.features.length) list.append(el("li", { class: "hint" }, "Aucun projet publié."));
    } catch (e) {
      ctx.showError("Projets", e);
    }
  }

  search.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.textContent = "";
    ctx.clearError();
    const commune = findCommune(document.getElementById("project-commune").value, ctx.communes);
    if (!commune) {
      ctx.showError("Créer un projet", new Error("indiquez une commune de la Nièvre"));
      return;
    }
    const body = {
      title: document.getElementById("project-title").value,
      description: document.getElementById("project-description").value,
      commune_code: commune.properties.code,
      needs: [],
    };
    const needText = document.getElementById("project-need-text").value.trim();
    if (needText) {
      body.needs.push({ kind: document.getElementById("project-need-kind").value, text: needText });
    }
    try {
      const created = await api.createProject(body);
      result.textContent =
        created.properties.status === "published"
          ? "Projet publié."
          : "Projet enregistré : il sera visible de tous après relecture.";
      result.focus();
      load();
    } catch (e) {
      ctx.showError("Créer un projet", frenchError(e));
    }
  });

  return {
    show() {
      layer.addTo(map);
      load();
    },
    hide() {
      layer.remove();
    },
    onMapClick() {},
  };
}
