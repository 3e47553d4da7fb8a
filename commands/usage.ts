import { PermissionFlagsBits } from 'discord.js';
import { localizedChoices, localizedCommand, localizedOption } from '../src/adapters/discord/command-builders.js';
import { usageReply } from '../src/adapters/discord/presenter.js';
import { modelPrice } from '../src/adapters/model-prices.js';
import type { Command } from '../src/command.js';
import { userError } from '../src/domain/errors.js';
import { usageView } from '../src/engine/usage-view.js';

const SCOPES = ['channel', 'bot'] as const;

export default {
  data: localizedCommand('usage').addStringOption((o) => localizedOption('usage', 'scope')(o).addChoices(...localizedChoices(SCOPES, (c, scope) => c.usageScopes[scope]))),
  visibility: () => ({ ephemeral: true }),
  async execute(interaction, ctx, respond) {
    const { memory } = ctx.engine;
    const scope = interaction.options.getString('scope') === 'bot' ? 'bot' : 'channel';
    // The whole bot's figures are the operator's business: moderators see them, and anyone in a DM (theirs is the only channel there).
    if (scope === 'bot' && interaction.guildId !== null && interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) !== true) {
      throw userError('usage_bot_not_allowed', {});
    }
    const ledger = scope === 'bot' ? await memory.botUsage() : await memory.usage(interaction.channelId);
    await respond(usageReply(usageView(ledger, Date.now(), scope, modelPrice), interaction.locale), { ephemeral: true });
  },
} satisfies Command;
