import { localizedChoices, localizedOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { forgeReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';

const ROLES = ['user', 'assistant'] as const;

export default {
  data: memoryCommand('forge')
    .addStringOption((o) =>
      localizedOption('forge', 'role')(o)
        .setRequired(true)
        .addChoices(...localizedChoices(ROLES, (c, role) => c.speaker[role])),
    )
    .addStringOption((o) => localizedOption('forge', 'content')(o).setRequired(true).setMaxLength(6000)),
  async execute(interaction, ctx, respond) {
    const role = interaction.options.getString('role', true) === 'assistant' ? 'assistant' : 'user';
    const content = interaction.options.getString('content', true);
    const removed = await ctx.engine.memory.forge(interaction.channelId, [{ role, content }]);
    await respond(forgeReply(role, removed, interaction.locale));
  },
} satisfies Command;
