import { cleanContent, type Message } from 'discord.js';
import { type AttachmentRules, readAttachments } from './attachments.js';

/**
 * What a question carries of the message it replies to: its author and text, and the text of its
 * text attachments (images are not sent: the quoted message's URLs would expire in memory). The
 * marker is for the model and is stored with the question, shared by everyone in the channel
 * whatever their language, like an attachment's.
 */
export function quoteBlock(authorName: string, text: string, attachedText: string): string {
  const quoted = text === '' ? '' : `\n${text.split('\n').map((line) => `> ${line}`).join('\n')}`;
  return `\n\n[quoted message from ${authorName}]${quoted}${attachedText}`;
}

/**
 * The message `message` replies to, when it is someone else's (a reply to the bot continues a
 * conversation the bot already remembers); undefined when there is none or it is gone.
 */
export async function repliedToOther(message: Message, botId: string): Promise<Message | undefined> {
  if (message.reference?.messageId === undefined) return undefined;
  try {
    // Discord sends the referenced message with MESSAGE_CREATE and discord.js caches it, so this reads no REST.
    const referenced = await message.fetchReference();
    return referenced.author.id === botId ? undefined : referenced;
  } catch {
    return undefined;
  }
}

/** The quote of `referenced` for a question: its author, its text, its text attachments read with `rules`. */
export async function quoteOf(referenced: Message, rules: AttachmentRules & { readonly timeoutMs: number }): Promise<string> {
  const name = referenced.member?.displayName ?? referenced.author.displayName;
  const text = cleanContent(referenced.content, referenced.channel).trim();
  const attachments = [...referenced.attachments.values()];
  const read = attachments.length === 0 ? { text: '' } : await readAttachments(attachments, { ...rules, vision: false });
  return quoteBlock(name, text, read.text);
}
