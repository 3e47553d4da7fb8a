import { type AutocompleteInteraction, type ButtonInteraction, type Interaction, MessageFlags } from 'discord.js';
import type { AppContext } from '../app-context.js';
import { CommandResponder } from '../adapters/discord/command-responder.js';
import type { Command } from '../command.js';
import { commandFailedReply, commandFailureReply, notEnabledReply, userErrorReply } from '../adapters/discord/presenter.js';
import { isUserError, userError } from '../domain/errors.js';
import { MemoryBusyError } from '../engine/memory.js';
import { StoreUnavailableError } from '../engine/session-store.js';
import { askerOfInteraction } from './access.js';
import { answerImportButton } from './import-confirmation.js';

/**
 * Runs slash commands. Every failure ends as an ephemeral reply in the interaction's locale: a
 * UserError as the presenter words it, anything else with a generic one, logged with the
 * interaction id.
 */
export function onInteractionCreate(ctx: AppContext, commands: ReadonlyMap<string, Command>) {
  const seen = new RecentIds(1000);
  return async (interaction: Interaction): Promise<void> => {
    if (interaction.isAutocomplete()) {
      await suggest(ctx, commands, interaction);
      return;
    }
    if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
    // Discord sends an interaction once, but a gateway that replays events after a resume may
    // hand it over again: a command is never applied twice for one interaction.
    if (!seen.add(interaction.id)) {
      ctx.logger.warn({ interaction: interaction.id }, 'interaction seen before; not run again');
      return;
    }
    if (interaction.isButton()) {
      await onButton(ctx, interaction);
      return;
    }
    const { locale } = interaction;
    const command = commands.get(interaction.commandName);
    const log = ctx.logger.child({ interaction: interaction.id, command: interaction.commandName, session: interaction.channelId });
    const responder = new CommandResponder(interaction, log, ctx.commandDeferMs, command?.visibility?.(interaction) ?? { ephemeral: false });
    if (command === undefined) {
      log.warn('unknown command');
      await responder.fail(userErrorReply(userError('unknown_command', { name: interaction.commandName }), locale));
      return;
    }
    const asker = askerOfInteraction(interaction);
    if (ctx.engine.admitCommand(asker) !== undefined) {
      await responder.fail(notEnabledReply(locale));
      return;
    }
    responder.start();
    try {
      await command.execute(interaction, ctx, responder.respond);
      log.info({ user: interaction.user.id }, 'command done');
    } catch (error) {
      const told = commandFailureReply(error, locale);
      if (isUserError(error)) log.info({ code: error.code }, 'command refused');
      else if (error instanceof StoreUnavailableError) log.error({ err: error }, 'command refused: the store is unavailable, nothing was changed');
      else if (error instanceof MemoryBusyError) log.warn({ err: error }, 'command lost to another writer twice');
      else log.error({ err: error }, 'command failed');
      await responder.fail(told ?? commandFailedReply(locale));
    }
  };
}

/** A button: an /import's confirmation (the only buttons the bot sends). */
async function onButton(ctx: AppContext, interaction: ButtonInteraction): Promise<void> {
  const log = ctx.logger.child({ interaction: interaction.id, button: interaction.customId, session: interaction.channelId });
  const asker = askerOfInteraction(interaction);
  try {
    if (ctx.engine.admitCommand(asker) !== undefined) {
      await interaction.reply({ content: notEnabledReply(interaction.locale), flags: MessageFlags.Ephemeral });
      return;
    }
    if (!(await answerImportButton(interaction, ctx, log))) log.warn('unknown button');
  } catch (error) {
    log.error({ err: error }, 'button failed');
  }
}

/**
 * Answers an autocomplete request with the command's suggestions; one that fails answers with
 * none (Discord then shows no suggestions) and is logged.
 */
async function suggest(ctx: AppContext, commands: ReadonlyMap<string, Command>, interaction: AutocompleteInteraction): Promise<void> {
  const log = ctx.logger.child({ interaction: interaction.id, command: interaction.commandName, session: interaction.channelId });
  const command = commands.get(interaction.commandName);
  try {
    if (command?.autocomplete === undefined) await interaction.respond([]);
    else await command.autocomplete(interaction, ctx);
  } catch (error) {
    log.warn({ err: error }, 'autocomplete failed');
    if (!interaction.responded) await interaction.respond([]).catch((err: unknown) => log.debug({ err }, 'could not answer the autocomplete'));
  }
}

/** The last `size` ids added, to tell a repeat from a new one. */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly size: number) {}

  /** False when `id` was added before (and is still remembered). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value ?? id);
    return true;
  }
}
