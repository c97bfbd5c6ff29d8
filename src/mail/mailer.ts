import type { Transporter } from 'nodemailer';
import type { MailConfig } from '../config.js';

export interface Mailbox {
  name: string | null;
  address: string;
}

/** One e-mail, in both forms a mail client may show. */
export interface OutgoingMail {
  to: Mailbox;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per message, so a copy sent again after a crash is recognisably the same message. */
  messageId: string;
}

/** The mail server refused the message for good (a 5xx reply); sending it again cannot help. */
export class MailRejectedError extends Error {
  constructor(
    readonly responseCode: number,
    reply: string,
  ) {
    super(`The mail server refused the message: ${reply}`);
    this.name = 'MailRejectedError';
  }
}

export interface Mailer {
  /** Resolves once the server accepted the message; throws MailRejectedError on a 5xx reply, anything else is transient. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

const asAddress = (mailbox: Mailbox) => (mailbox.name ? { name: mailbox.name, address: mailbox.address } : mailbox.address);

/** Nodemailer's errors carry the server's reply when there was one. */
interface SmtpFailure {
  responseCode?: number;
  response?: string;
}

/**
 * Sends through the configured SMTP server over a small pool of kept-open connections, so a bulk
 * issue's e-mails do not each pay for a connection and a TLS handshake. Nodemailer is loaded on
 * the first e-mail: processes that never send one do not pay for it at start-up.
 */
export function createMailer(config: MailConfig): Mailer {
  let transport: Promise<Transporter> | undefined;
  const connect = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) => createTransport({ url: config.smtpUrl, pool: true, logger: false }, { from: asAddress(config.from) })));
  return {
    async send(mail) {
      const transporter = await connect();
      try {
        await transporter.sendMail({
          to: asAddress(mail.to),
          replyTo: mail.replyTo,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          // RFC 3834: an automatic message, so vacation responders stay quiet.
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (error) {
        const { responseCode, response } = error as SmtpFailure;
        if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) throw new MailRejectedError(responseCode, response ?? String(responseCode));
        throw error;
      }
    },
    close() {
      void transport?.then((transporter) => transporter.close(), () => undefined);
    },
  };
}
