import { type ChatInputCommandInteraction, type Interaction, MessageFlags } from 'discord.js';
import type { AppContext } from '../app-context.js';
import type { Command } from '../command.js';
import { decideAccess } from '../domain/access.js';
import { isUserError } from '../domain/errors.js';
import { askerOf } from './access.js';

const UNEXPECTED = 'Something went wrong on my side, so nothing was changed. The error was logged; please try again.';

/**
 * Runs slash commands. Every failure ends as an ephemeral reply: a UserError with its own message,
 * anything else with a generic one, logged with the interaction id.
 */
export function onInteractionCreate(ctx: AppContext, commands: ReadonlyMap<string, Command>) {
  return async (interaction: Interaction): Promise<void> => {
    if (!interaction.isChatInputCommand()) return;
    const command = commands.get(interaction.commandName);
    if (command === undefined) {
      ctx.logger.warn({ interaction: interaction.id, command: interaction.commandName }, 'unknown command');
      await replyEphemeral(interaction, `I don't know the command /${interaction.commandName}; it may be from an older version of the bot.`, ctx);
      return;
    }
    const asker = askerOf({
      userId: interaction.user.id,
      guildId: interaction.guildId,
      channel: interaction.channel,
      channelId: interaction.channelId,
      member: interaction.member,
    });
    if (decideAccess(asker, ctx.access) !== 'allowed') {
      await replyEphemeral(interaction, 'contextcord is not enabled here.', ctx);
      return;
    }
    const log = ctx.logger.child({ interaction: interaction.id, command: command.data.name, session: interaction.channelId });
    try {
      await command.execute(interaction, ctx);
      log.info({ user: interaction.user.id }, 'command done');
    } catch (error) {
      if (isUserError(error)) {
        log.info({ code: error.code }, 'command refused');
        await replyEphemeral(interaction, error.message, ctx);
        return;
      }
      log.error({ err: error }, 'command failed');
      await replyEphemeral(interaction, UNEXPECTED, ctx);
    }
  };
}

/** reply() on a fresh interaction, followUp() on one already answered or deferred. */
async function replyEphemeral(interaction: ChatInputCommandInteraction, content: string, ctx: AppContext): Promise<void> {
  const message = { content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
  try {
    if (interaction.replied || interaction.deferred) await interaction.followUp(message);
    else await interaction.reply(message);
  } catch (error) {
    ctx.logger.warn({ err: error, interaction: interaction.id }, 'could not send the error reply');
  }
}
