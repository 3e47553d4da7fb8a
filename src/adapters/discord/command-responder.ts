import {
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
} from 'discord.js';
import type { Logger } from '../../logger.js';

/**
 * A command not answered after this long is acknowledged with a "thinking" state: well inside
 * Discord's 3 s, with room for the acknowledgement's own trip.
 */
export const COMMAND_DEFER_MS = 1000;

/** How a command's result is shown: only to who ran it (ephemeral), or to everyone in the channel. */
export interface Visibility {
  readonly ephemeral: boolean;
}

/** A file sent with a command's result (an export). */
export interface ReplyFile {
  readonly name: string;
  readonly data: Buffer;
}

/** A command's result: its text, and files or buttons when it has them. */
export interface CommandReply {
  readonly content: string;
  readonly files?: readonly ReplyFile[];
  /** Rows of buttons, as Discord's component JSON (the presenter builds them). */
  readonly components?: readonly APIActionRowComponent<APIComponentInMessageActionRow>[];
}

/** What a command hands its result to (public unless said otherwise); the responder delivers it. */
export type Respond = (reply: string | CommandReply, visibility?: Visibility) => Promise<void>;

const PUBLIC: Visibility = { ephemeral: false };
const EPHEMERAL: Visibility = { ephemeral: true };

/**
 * Answers one interaction within Discord's 3 s acknowledgement window: if the command has not
 * answered after `deferAfterMs` (a stalled event loop, a slow store), it acknowledges with a
 * "thinking" state of the visibility the command expects, and the result then edits it in (so a
 * refusal that comes after a public deferral is public too; refusals of bad input come before
 * any deferral, at once). A result is delivered at most once; if it cannot be delivered, what it said is logged (the memory
 * change it reports has been made, so it is not reported as a failure that changed nothing).
 */
export class CommandResponder {
  private timer: NodeJS.Timeout | undefined;
  private deferring: Promise<void> | undefined;
  private deferred = false;
  private answered = false;

  constructor(
    private readonly interaction: ChatInputCommandInteraction,
    private readonly log: Logger,
    private readonly deferAfterMs: number,
    /** The visibility the command's result will most likely have, for the deferral. */
    private readonly expected: Visibility,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deferring = this.interaction.deferReply(this.expected.ephemeral ? { flags: MessageFlags.Ephemeral } : {}).then(
        () => {
          this.deferred = true;
          this.log.info({ afterMs: this.deferAfterMs }, 'command slow: acknowledged with a thinking state');
        },
        (error: unknown) => this.log.warn({ err: error }, 'could not acknowledge a slow command'),
      );
    }, this.deferAfterMs);
  }

  /** The command's result (a memory change already made, or a view). */
  readonly respond: Respond = async (reply, visibility = PUBLIC) => {
    if (this.answered) throw new Error('a command answers once');
    this.answered = true;
    const result = typeof reply === 'string' ? { content: reply } : reply;
    try {
      await this.deliver(result, visibility);
    } catch (error) {
      this.log.error({ err: error, result: result.content }, 'the command was done but its reply could not be delivered; this is what it reported');
    }
  };

  /** A refusal or failure, shown only to who ran the command; never throws. */
  async fail(content: string): Promise<void> {
    if (this.answered) return;
    this.answered = true;
    try {
      await this.deliver({ content }, EPHEMERAL);
    } catch (error) {
      this.log.warn({ err: error }, 'could not send the error reply');
    }
  }

  private async deliver(reply: CommandReply, visibility: Visibility): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.deferring;
    const message = {
      content: reply.content,
      allowedMentions: { parse: [] },
      ...(reply.files === undefined ? {} : { files: reply.files.map((file) => ({ attachment: file.data, name: file.name })) }),
      ...(reply.components === undefined ? {} : { components: [...reply.components] }),
    } satisfies InteractionEditReplyOptions;
    const sent: InteractionReplyOptions = visibility.ephemeral ? { ...message, flags: MessageFlags.Ephemeral } : message;
    if (this.interaction.replied) {
      // Already answered (a command that replied itself, then failed): one more message.
      await this.interaction.followUp(sent);
    } else if (!this.deferred) {
      await this.interaction.reply(sent);
    } else {
      // A deferral's visibility is fixed, and Discord fills its "thinking" message with the next
      // edit or follow-up either way (a follow-up after deleting it is refused): the result, or a
      // refusal, takes its place as it is.
      await this.interaction.editReply(message);
    }
  }
}
