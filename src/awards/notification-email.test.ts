import { describe, expect, it } from 'vitest';
import { awardEmail, type AwardEmailFacts } from './notification-email.js';

const facts: AwardEmailFacts = {
  recipientName: null,
  badge: { name: 'Safety\r\nBcc: everyone@example.org', description: 'Line one\n<b>two</b> & "three"' },
  issuer: { name: "O'Brien <Academy>", url: 'https://academy.example' },
  expiresOn: new Date('2027-06-30T12:00:00Z'),
  links: { image: 'https://badges.example.edu/awards/award_1/image.png', credential: 'https://badges.example.edu/awards/award_1/credential', assertion: 'https://badges.example.edu/awards/award_1' },
};

describe('the award e-mail', () => {
  it('keeps names on one line, so no header can be smuggled into the subject', () => {
    expect(awardEmail(facts).subject).toBe('You earned Safety Bcc: everyone@example.org');
  });

  it('greets without a name when there is none and says until when the badge is valid', () => {
    const { text } = awardEmail(facts);
    expect(text.startsWith('Hello,\n')).toBe(true);
    expect(text).toContain('This badge is valid until 2027-06-30.');
    expect(text).toContain(`  Open Badges 3.0 credential: ${facts.links.credential}\n`);
    expect(awardEmail({ ...facts, expiresOn: null }).text).not.toContain('valid until');
  });

  it('escapes every value in the HTML and keeps the description’s line breaks', () => {
    const { html } = awardEmail({ ...facts, recipientName: '<img src=x onerror=alert(1)>' });
    expect(html).toContain('Hello &lt;img src=x onerror=alert(1)&gt;,');
    expect(html).toContain('<strong>O&#39;Brien &lt;Academy&gt;</strong>');
    expect(html).toContain('<p style="white-space: pre-line">Line one\n&lt;b&gt;two&lt;/b&gt; &amp; &quot;three&quot;</p>');
    expect(html).not.toMatch(/<(img|b)\b/);
  });
});
