import { memoryCommand } from '../src/adapters/discord/command-builders.js';
import { plural } from '../src/adapters/discord/format.js';
import type { Command } from '../src/command.js';

export default {
  data: memoryCommand('reset', 'Forget this channel’s conversation (pins too); settings stay'),
  async execute(interaction, ctx) {
    const removed = await ctx.sessions.reset(interaction.channelId);
    const content =
      removed.length === 0
        ? '🧹 Memory of this channel was already empty.'
        : `🧹 Memory of this channel cleared: ${plural(removed.length, 'message')} forgotten. Settings are kept.`;
    await interaction.reply({ content, allowedMentions: { parse: [] } });
  },
} satisfies Command;
