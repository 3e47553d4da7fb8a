import { indicesOption, memoryCommand } from '../src/adapters/discord/command-builders.js';
import { pinReply } from '../src/adapters/discord/presenter.js';
import type { Command } from '../src/command.js';
import { parseIndices } from '../src/domain/indices.js';

export default {
  data: memoryCommand('unpin').addStringOption(indicesOption('unpin')),
  async execute(interaction, ctx, respond) {
    const indices = parseIndices(interaction.options.getString('indices', true));
    const change = await ctx.engine.memory.unpin(interaction.channelId, indices);
    await respond(pinReply(change, 'unpinned', interaction.locale));
  },
} satisfies Command;
