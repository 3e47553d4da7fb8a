import { indicesOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { pinReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { parseIndices } from '../src/domain/indices.js';

export default {
  data: memoryCommand('pin', 'Pin messages so trimming never removes them').addStringOption(
    indicesOption('Message indices from /history, e.g. "0 -2 -1" (0 = oldest, -1 = newest)'),
  ),
  async execute(interaction, ctx) {
    const indices = parseIndices(interaction.options.getString('indices', true));
    const change = await ctx.engine.memory.pin(interaction.channelId, indices);
    await interaction.reply({ content: pinReply(change, 'pinned'), allowedMentions: { parse: [] } });
  },
} satisfies Command;
