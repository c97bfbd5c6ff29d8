/** What the e-mail telling a recipient about their award says; every value is untrusted text. */
export interface AwardEmailFacts {
  recipientName: string | null;
  badge: { name: string; description: string };
  issuer: { name: string; url: string };
  expiresOn: Date | null;
  /** Public addresses of the award's credential forms. */
  links: { image: string; credential: string; assertion: string };
}

export interface AwardEmail {
  subject: string;
  text: string;
  html: string;
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => htmlEscapes[character]!);

/** One line: names come from people and may carry line breaks that do not belong in a subject. */
const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

/**
 * The award e-mail as plain text and simple HTML. No template engine, no remote images, no
 * tracking: the HTML escapes every value and links only to the award's own public documents.
 */
export function awardEmail(facts: AwardEmailFacts): AwardEmail {
  const badge = oneLine(facts.badge.name);
  const issuer = oneLine(facts.issuer.name);
  const subject = `You earned ${badge}`;
  const greeting = facts.recipientName ? `Hello ${oneLine(facts.recipientName)},` : 'Hello,';
  const expiry = facts.expiresOn && `This badge is valid until ${facts.expiresOn.toISOString().slice(0, 10)}.`;
  const links = [
    { label: 'Badge image, with your credential inside it', url: facts.links.image },
    { label: 'Open Badges 3.0 credential', url: facts.links.credential },
    { label: 'Open Badges 2.0 assertion', url: facts.links.assertion },
  ];
  const footer = `${issuer} (${facts.issuer.url}) sent this e-mail because you earned this badge.`;

  const text = [
    greeting,
    '',
    `${issuer} has awarded you the badge "${badge}".`,
    '',
    facts.badge.description,
    '',
    'Your badge, to keep and to share (a digital wallet or backpack accepts the image or either credential):',
    ...links.map((link) => `  ${link.label}: ${link.url}`),
    ...(expiry ? ['', expiry] : []),
    '',
    '-- ',
    footer,
    '',
  ].join('\n');

  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 40em">
<p>${escapeHtml(greeting)}</p>
<p><strong>${escapeHtml(issuer)}</strong> has awarded you the badge <strong>${escapeHtml(badge)}</strong>.</p>
<p style="white-space: pre-line">${escapeHtml(facts.badge.description)}</p>
<p>Your badge, to keep and to share (a digital wallet or backpack accepts the image or either credential):</p>
<ul>
${links.map((link) => `<li><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></li>`).join('\n')}
</ul>
${expiry ? `<p>${escapeHtml(expiry)}</p>\n` : ''}<p style="color: #666; font-size: smaller">${escapeHtml(footer)}</p>
</body>
</html>
`;
  return { subject, text, html };
}
