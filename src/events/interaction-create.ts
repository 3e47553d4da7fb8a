import { type ChatInputCommandInteraction, type Interaction, MessageFlags } from 'discord.js';
import type { AppContext } from '../app-context.js';
import type { Command } from '../command.js';
import { commandFailedReply, memoryBusyReply, notEnabledReply, storeUnavailableReply, userErrorReply } from '../adapters/discord/presenter.js';
import { isUserError, userError } from '../domain/errors.js';
import { MemoryBusyError } from '../engine/memory.js';
import { StoreUnavailableError } from '../engine/session-store.js';
import { askerOf } from './access.js';

/**
 * Runs slash commands. Every failure ends as an ephemeral reply in the interaction's locale: a
 * UserError as the presenter words it, anything else with a generic one, logged with the
 * interaction id.
 */
export function onInteractionCreate(ctx: AppContext, commands: ReadonlyMap<string, Command>) {
  return async (interaction: Interaction): Promise<void> => {
    if (!interaction.isChatInputCommand()) return;
    const { locale } = interaction;
    const command = commands.get(interaction.commandName);
    if (command === undefined) {
      ctx.logger.warn({ interaction: interaction.id, command: interaction.commandName }, 'unknown command');
      await replyEphemeral(interaction, userErrorReply(userError('unknown_command', { name: interaction.commandName }), locale), ctx);
      return;
    }
    const asker = askerOf({
      userId: interaction.user.id,
      guildId: interaction.guildId,
      channel: interaction.channel,
      channelId: interaction.channelId,
      member: interaction.member,
    });
    if (ctx.engine.admitCommand(asker) !== undefined) {
      await replyEphemeral(interaction, notEnabledReply(locale), ctx);
      return;
    }
    const log = ctx.logger.child({ interaction: interaction.id, command: command.data.name, session: interaction.channelId });
    try {
      await command.execute(interaction, ctx);
      log.info({ user: interaction.user.id }, 'command done');
    } catch (error) {
      if (isUserError(error)) {
        log.info({ code: error.code }, 'command refused');
        await replyEphemeral(interaction, userErrorReply(error, locale), ctx);
        return;
      }
      if (error instanceof StoreUnavailableError) {
        log.error({ err: error }, 'command refused: the store is unavailable (its database file was deleted or replaced)');
        await replyEphemeral(interaction, storeUnavailableReply(locale), ctx);
        return;
      }
      if (error instanceof MemoryBusyError) {
        log.warn({ err: error }, 'command lost to another writer twice');
        await replyEphemeral(interaction, memoryBusyReply(locale), ctx);
        return;
      }
      log.error({ err: error }, 'command failed');
      await replyEphemeral(interaction, commandFailedReply(locale), ctx);
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
