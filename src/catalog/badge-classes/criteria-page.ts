import type { DOMPurify } from 'dompurify';
import { Marked } from 'marked';
import { createPurifier } from '../dom-purifier.js';
import type { BadgeClassVersion } from './store.js';

const markdown = new Marked({ gfm: true });
let purify: DOMPurify | undefined;

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}

/** Markdown to HTML with nothing active left: no scripts, handlers, forms, frames or styles. */
function narrativeHtml(narrative: string): string {
  purify ??= createPurifier().purify;
  const html = markdown.parse(narrative, { async: false });
  return purify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button'], FORBID_ATTR: ['style'] });
}

/**
 * The public criteria page of one badge class version: what a learner had to do, as it stood when
 * credentials of this version were issued. Every value from the database is escaped or sanitised.
 */
export function criteriaPage(version: BadgeClassVersion, issuerName: string): string {
  const { name, description, criteria } = version;
  const lang = escapeHtml(version.language ?? 'en');
  const url = criteria.url && escapeHtml(criteria.url);
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(name)} — criteria</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}.meta{color:#555}</style>
</head>
<body>
<main>
<h1>${escapeHtml(name)}</h1>
<p class="meta">Issued by ${escapeHtml(issuerName)} · version ${version.version}</p>
<p>${escapeHtml(description)}</p>
<h2>Criteria</h2>
${criteria.narrative ? `<section class="narrative">${narrativeHtml(criteria.narrative)}</section>` : ''}
${url ? `<p>Full criteria: <a href="${url}" rel="noopener noreferrer nofollow">${url}</a></p>` : ''}
</main>
</body>
</html>
`;
}
