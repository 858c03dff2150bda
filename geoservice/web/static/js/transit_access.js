// Honest transit on the page: when no train or coach stop is within reach of the origin, the
// page says so in French instead of showing walking results labelled "transports en commun".

/** The transit part of an answer that reaches no stop (access_stops 0), or null. */
export function noStopAccess(...answers) {
  for (const answer of answers) {
    const transit = answer && answer.transit;
    if (transit && transit.access_stops === 0) return transit;
  }
  return null;
}

function km(metres) {
  return (metres / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 1 });
}

/** The French message shown instead of the results. */
export function noStopMessage(transit, health) {
  const nearest = transit.nearest_stop;
  const parts = [
    "Aucun arrêt de train ou de car n'est accessible à pied depuis ce point (au plus 30 min de marche, ou 2 km à vol d'oiseau) : les transports en commun ne sont pas calculés d'ici, les résultats ne seraient que de la marche.",
  ];
  if (nearest) {
    parts.push(`L'arrêt le plus proche est « ${nearest.name} », à ${km(nearest.distance_m)} km à vol d'oiseau.`);
  }
  parts.push("Essayez la voiture ou le vélo, ou partez d'une gare.");
  const missing = health && health.transit_networks ? health.transit_networks.missing : [];
  if (missing && missing.length) {
    parts.push(
      `Réseaux absents des données : ${missing.map((m) => m.name).join(", ")} ; un car ou un bus de ces réseaux peut passer plus près.`,
    );
  }
  return parts.join(" ");
}

/** Today in Europe/Paris, YYYY-MM-DD. */
export function todayInParis() {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}
