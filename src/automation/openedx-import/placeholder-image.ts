/**
 * The badge image of imported badge classes when the operator gives none: the export names only
 * the provider's image URL, which Laurel does not fetch. A plain grey medal, the same for every
 * badge, so that nobody mistakes it for the real design.
 */
export const placeholderBadgeImage = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">' +
    '<title>Badge image to be replaced</title>' +
    '<circle cx="128" cy="128" r="116" fill="#e4e7eb" stroke="#9aa5b1" stroke-width="8"/>' +
    '<circle cx="128" cy="128" r="70" fill="none" stroke="#9aa5b1" stroke-width="8" stroke-dasharray="12 10"/>' +
    '</svg>',
  'utf8',
);
