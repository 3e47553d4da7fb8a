import { type ButtonInteraction, MessageFlags } from 'discord.js';
import type { AppContext } from '../app-context.js';
import { IMPORT_BUTTON } from '../adapters/discord/import-buttons.js';
import { commandFailedReply, commandFailureReply, importAnsweredReply, importedReply } from '../adapters/discord/presenter.js';
import type { Logger } from '../logger.js';

/**
 * The answer to an /import's confirmation buttons. Only who ran /import may answer; an answer
 * replaces the question (its buttons go), and a second click, an expired question or one a restart
 * forgot changes nothing and says so. The replace itself is the engine's (Memory.replace), under
 * the session's lock like every change, with the file checked again on the memory as it is now.
 * Returns false for a button that is not an import's.
 */
export async function answerImportButton(interaction: ButtonInteraction, ctx: AppContext, log: Logger): Promise<boolean> {
  const match = IMPORT_BUTTON.exec(interaction.customId);
  if (match === null) return false;
  const [, action, id = ''] = match;
  const { locale } = interaction;
  const owner = ctx.imports.ownerOf(id);
  if (owner !== undefined && owner !== interaction.user.id) {
    await interaction.reply({ content: importAnsweredReply('not_yours', locale), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return true;
  }
  const pending = ctx.imports.take(id);
  if (pending === undefined || action === 'cancel') {
    await interaction.update({ content: importAnsweredReply(pending === undefined ? 'expired' : 'cancelled', locale), components: [], allowedMentions: { parse: [] } });
    log.info({ answer: pending === undefined ? 'expired' : 'cancelled' }, 'import not made');
    return true;
  }
  // The replace waits for the session's lock: acknowledge first, then edit the question into its result.
  await interaction.deferUpdate();
  let content: string;
  try {
    const result = await ctx.engine.memory.replace(pending.key, pending.imported);
    log.info({ messages: result.messages, pinned: result.pinned, replaced: result.before.messages }, 'import confirmed and made');
    content = importedReply(result, locale);
  } catch (error) {
    const told = commandFailureReply(error, locale);
    if (told === undefined) log.error({ err: error }, 'import failed');
    else log.info({ err: error }, 'import refused');
    content = told ?? commandFailedReply(locale);
  }
  await interaction.editReply({ content, components: [], allowedMentions: { parse: [] } });
  return true;
}
