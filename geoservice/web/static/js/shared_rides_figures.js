// The scenario's « trajets partagés » figures (the `shared_rides` member of POST
// /api/v1/scenarios), in French, with their limits: the seats are offered by people on the
// platform, not a transport service, and nobody measured who actually travels.

import { el, formatInteger, plural } from "./format.js";

const kmFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

/** The section for `block` (the API's shared_rides member); `names` maps INSEE code → name. */
export function sharedRidesSection(block, names, targetLabel) {
  const section = el("section", { id: "scenario-rides", class: "scenario-rides", "aria-labelledby": "scenario-rides-title" });
  section.append(el("h4", { id: "scenario-rides-title" }, "Trajets partagés proposés"));
  const km = kmFormat.format(block.nearby_km);
  if (!block.rides) {
    section.append(
      el("p", { class: "rides-none" }, `Aucun trajet partagé avec une place libre n'est proposé vers une offre « ${targetLabel} » en ce moment.`),
    );
  } else {
    section.append(
      el(
        "p",
        { class: "rides-offered" },
        `${plural(block.rides, "trajet proposé", "trajets proposés")} vers une offre « ${targetLabel} », ${plural(block.seats_offered, "place libre", "places libres")} en tout.`,
      ),
    );
    const dl = el("dl", { class: "rides-figures" });
    for (const row of block.thresholds || []) {
      const minutes = formatInteger(row.threshold_minutes);
      dl.append(
        el("dt", {}, `Habitants encore à plus de ${minutes} min, avec un trajet partagé au départ de moins de ${km} km de leur mairie`),
        el(
          "dd",
          { class: "rides-population", "data-threshold": row.threshold_minutes },
          `${plural(row.population_by_shared_ride, "habitant")} (${plural(row.communes_by_shared_ride, "commune")})`,
        ),
        el("dt", {}, "Trajets et places correspondants"),
        el(
          "dd",
          { class: "rides-seats" },
          `${plural(row.rides_used, "trajet")}, ${plural(row.seats_offered_used, "place libre", "places libres")}`,
        ),
      );
      const communes = (row.commune_codes || []).map((code) => names(code));
      if (communes.length) {
        dl.append(el("dt", {}, "Communes concernées"), el("dd", { class: "rides-communes" }, communes.join(", ")));
      }
    }
    section.append(dl);
  }
  section.append(
    el(
      "p",
      { class: "hint rides-limits" },
      "Limites : ces trajets sont proposés par des utilisateurs de la plateforme. Ce sont des places offertes, pas un service de transport, et personne n'a mesuré les déplacements réels. ",
      `Une commune est comptée dès qu'un trajet part à moins de ${km} km de sa mairie (à vol d'oiseau), quel que soit le nombre de places : tous ses habitants ne trouveront pas de place. `,
      "Seuls comptent les trajets à venir, avec une place libre, vers une offre du type mesuré.",
    ),
  );
  return section;
}
