// API errors told to people in French: problem documents carry a stable `code` (and each
// invalid parameter its own); the page maps them to sentences, never shows the English
// `detail`.

import { ApiError } from "./api.js";

/** Problem `code` → sentence. */
export const PROBLEM_SENTENCES = {
  invalid_parameter: "une valeur saisie n'est pas valable",
  limit_exceeded: "la demande est trop grande pour ce service (réduisez le temps ou le nombre de points)",
  not_found: "introuvable : l'élément demandé n'existe pas ou n'est pas public",
  outside_coverage: "ce lieu est hors de la zone couverte (la Nièvre et ses abords)",
  authentication_required: "connectez-vous d'abord",
  permission_denied: "votre compte ne permet pas cette action",
  conflict: "cette action n'est pas possible dans l'état actuel (déjà fait, ou nom déjà pris)",
  rate_limited: "trop de demandes à la suite : réessayez dans un moment",
  deadline_exceeded: "le calcul a pris trop de temps : réduisez le temps de trajet ou réessayez",
  service_unavailable: "le service est momentanément indisponible : réessayez dans un moment",
  data_error: "les données du service sont incomplètes : le calcul est impossible",
  method_not_allowed: "cette action n'est pas proposée par ce service",
  payload_too_large: "la demande envoyée est trop volumineuse",
  unsupported_media_type: "la demande envoyée n'a pas le bon format",
  http_error: "la demande a échoué",
  internal_error: "erreur interne du service (elle a été enregistrée)",
};

/** `invalid_params[].code` → what is wrong with the value. */
export const PARAM_SENTENCES = {
  required: "valeur manquante",
  not_a_number: "ce n'est pas un nombre",
  not_an_integer: "ce n'est pas un nombre entier",
  not_a_boolean: "valeur oui/non attendue",
  not_a_date: "date ou heure invalide",
  out_of_range: "valeur hors des limites permises",
  not_allowed: "valeur non reconnue",
  bad_length: "texte trop court ou trop long",
  not_an_email: "adresse électronique invalide",
  not_a_url: "adresse web invalide (http:// ou https://)",
  unknown_field: "champ inconnu",
  invalid: "valeur invalide",
};

/** Request parameter → the name people see on the page. */
export const FIELD_NAMES = {
  lon: "position",
  lat: "position",
  location: "point de départ",
  commune: "commune",
  commune_code: "commune",
  mode: "mode de déplacement",
  access_mode: "accès aux arrêts",
  minutes: "temps de trajet",
  max_minutes: "temps de trajet maximal",
  threshold_minutes: "seuil (minutes)",
  departure: "date et heure de départ",
  date: "date de la sortie",
  date_from: "date de la sortie",
  date_to: "date de la sortie",
  stay_minutes: "durée sur place",
  theme: "thème",
  category: "type de lieu",
  title: "titre",
  description: "description",
  timings: "dates",
  email: "adresse électronique",
  password: "mot de passe",
  display_name: "nom affiché",
  reason: "motif",
  venues: "lieux ajoutés",
};

function fieldName(name) {
  const base = String(name || "").split(".")[0];
  return FIELD_NAMES[base] || `champ « ${name} »`;
}

/** The invalid parameters of a problem, in French: ["temps de trajet maximal : valeur hors …"]. */
export function invalidParamsInFrench(error) {
  if (!(error instanceof ApiError)) return [];
  return error.invalidParams.map(
    (p) => `${fieldName(p.name)} : ${PARAM_SENTENCES[p.code] || PARAM_SENTENCES.invalid}`,
  );
}

/** A French sentence for any error (API problem, network failure, or the page's own). */
export function describeError(error) {
  if (!(error instanceof ApiError)) return String((error && error.message) || error);
  if (error.status === 0) return "le service ne répond pas (connexion impossible)";
  const code = error.problem.code;
  let sentence =
    PROBLEM_SENTENCES[code] ||
    (error.status >= 500 ? PROBLEM_SENTENCES.internal_error : PROBLEM_SENTENCES.http_error);
  const params = invalidParamsInFrench(error);
  if (params.length) sentence = `${sentence} (${[...new Set(params)].join(" ; ")})`;
  if (code === "rate_limited" && Number.isFinite(error.problem.retry_after_s)) {
    sentence = `trop de demandes à la suite : réessayez dans ${error.problem.retry_after_s} s`;
  }
  return sentence;
}
